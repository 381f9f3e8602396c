#pragma once
// The grant watch of a live session, for every front end (SPEC "SSH", "Teardown"): warnings 5
// and 1 minutes before the grant ends, then its end at the end time, or its revocation (or an
// end by the gate's own timer) as soon as the gate reports it. What a warning or an end means
// for the client is the front end's: SSH writes a line to the terminal and closes with the
// reason; RDP has no text channel, logs the warning and closes.
//
// Ownership: the session owns its grant_watch; the timer and the gate's watch hold only a
// weak_ptr to its state, so destroying (or stop()) ends both and no handler runs after.
// io_context thread only.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/time.hpp"
#include "policy/decision.hpp"
#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session {

class grant_watch {
 public:
  struct handlers {
    std::function<void(std::chrono::minutes left, time_point end)> warn;
    std::function<void(const grant_status&)> ended;  // runs at most once
  };

  grant_watch(boost::asio::any_io_executor executor, session::gate& gate);
  ~grant_watch();
  grant_watch(const grant_watch&) = delete;
  grant_watch& operator=(const grant_watch&) = delete;

  // Watches the grant behind `a` (nothing to watch for an `allow` rule, which has none).
  void start(const policy::authorization& a, handlers h);
  void stop();

 private:
  struct state;
  boost::asio::any_io_executor executor_;
  session::gate& gate_;
  std::shared_ptr<state> state_;
};

// The audit `reason` of a session that ended with its grant: "grant ended", "grant revoked"
// or "grant revoked by NAME" (every front end says it alike).
std::string grant_end_reason(const grant_status& g);

}  // namespace gatehouse::proxy::session
