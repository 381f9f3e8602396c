#pragma once
// One browser terminal (issue 18): a person's WebSocket from the terminal page, relayed to a
// shell on ACCOUNT@SERVER over the SSH gate's own upstream leg (proxy/ssh/upstream: the pinned
// host key, the account's key file or a per-session certificate), under the same policy,
// warnings, teardown, registry and recording as an `ssh` session.
//
//   sizing      the browser's first 'r' frame gives the terminal's size (within 10 s);
//   checking    the gate decides (session::gate::check, the policy's authorization): no
//               `allow` ends the socket with the reason;
//   connecting  the upstream logs in with that authorization;
//   opening     a session channel, a pty of the browser's size, a shell;
//   relaying    'd' both ways, 'r' resizes the pty, 'a' acknowledges what the browser drew:
//               while more than unacked_limit bytes are unacknowledged the upstream socket is
//               not read (TCP then holds the server back), so memory stays bounded whatever the
//               output; the grant watch sends 'w' warnings at 5 and 1 minute and ends the
//               terminal with 'c' "access grant #N ended[: revoked by X]";
//   finished    'c' with the reason, then the WebSocket's close; session.end.
// Audit: session.start / session.recording / session.end with protocol ssh and via web, the
// asciicast recording (audit/recorder) as <recordings>/<session id>.cast.
//
// Ownership: terminal_front_end's serve() coroutine owns the WebSocket and keeps the session
// alive (a shared_ptr) while run() lasts; the registry holds it while it is listed; libssh
// callbacks and timers hold weak_ptrs. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <libssh/libssh.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "terminal/browser_ssh_session.hpp"

namespace gatehouse::audit {
class asciicast_recorder;
}
namespace gatehouse::terminal {

class terminal_socket;  // terminal_session.cpp: the Beast WebSocket, kept out of this header

using session_parts = browser_session_parts;

class terminal_session final : public std::enable_shared_from_this<terminal_session>,
                               public browser_ssh_session {
 public:
  static constexpr std::size_t unacked_limit = 256 * 1024;

  terminal_session(boost::asio::any_io_executor executor, session_parts parts,
                   std::shared_ptr<const config::config> config, std::string id,
                   web::terminal_target target, std::string client);
  ~terminal_session() override;

  // Runs the terminal over `socket` (accepted) until it ends.
  boost::asio::awaitable<void> run(terminal_socket& socket);

  std::optional<boost::json::object> describe() const override;

 private:
  enum class phase { sizing, checking, connecting, opening, relaying, finished };

  boost::asio::awaitable<void> read_frames();
  boost::asio::awaitable<void> write_frames();
  void on_frame(std::string_view frame);
  void on_decision(const proxy::session::decision& d);
  void step();
  bool open_channel();  // false while libssh wants to be called again
  void relay();
  void started();
  void send(char type, std::string_view payload);
  void close(const std::string& text, const std::string& log_reason) override;
  std::function<void()> waker();

  phase phase_ = phase::sizing;
  terminal_socket* socket_ = nullptr;

  int cols_ = 80, rows_ = 24;
  bool resize_pending_ = false;
  int open_step_ = 0;
  std::string input_;  // typed, not yet taken by the channel
  std::uint64_t sent_ = 0, acked_ = 0;
  bool stepping_ = false;
  std::unique_ptr<audit::asciicast_recorder> recording_;
  std::string recording_path_;

  std::deque<std::string> outgoing_;  // frames for the browser
  bool closing_ = false;              // the 'c' frame is queued: close the socket after it
  boost::asio::steady_timer wake_writer_;
  boost::asio::steady_timer size_deadline_;
};

}  // namespace gatehouse::terminal
