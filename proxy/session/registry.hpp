#pragma once
// The live sessions of every front end, in one place: `gatehouse sessions` lists them,
// `gatehouse kill` and the daemon's shutdown end them (SPEC "Admin": the session objects).
// A front end adds each connection it accepts and removes it when the connection is done;
// a connection that is not a session yet (still logging in, still sending its request) is
// not listed.
//
// Ownership: the registry holds a shared_ptr per session (the daemon owns the registry and
// keeps it until every front end is gone). io_context thread only.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace gatehouse::proxy::session {

// What a front end knows of one of its sessions, for SPEC's session object.
struct session_facts {
  std::string_view id, person, server, account, protocol, client;
  time_point started;
  std::optional<std::int64_t> grant_id;   // null in the object when none (an `allow` rule)
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::string_view state;                 // held | connecting | active | own_view
  std::optional<std::int64_t> request_id;  // while held
};
boost::json::object session_object(const session_facts& f);

// Why a session is ended from outside: words for the person and the `reason` of session.end.
struct shut_reason {
  std::string text;  // "Session ssh-1 ended by carol", "Gatehouse is shutting down"
  std::string log;   // "killed by carol", "Gatehouse is shutting down"
};

class live_session {
 public:
  virtual ~live_session() = default;
  virtual const std::string& id() const = 0;
  // SPEC's session object (id, person, server, account, protocol, client, started, grant_id,
  // bytes_in, bytes_out, state: held | connecting | active | own_view, request_id when held);
  // nullopt while it is not a session yet.
  virtual std::optional<boost::json::object> describe() const = 0;
  virtual bool held() const = 0;
  // Ends it: a held client is refused in its protocol's way, a live one is closed with
  // `why.text`. Finishes later; the front end removes it then.
  virtual void shut(const shut_reason& why) = 0;
};

class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  void add(std::shared_ptr<live_session> s);
  void remove(const std::string& id);

  boost::json::array list() const;
  std::size_t held() const;
  std::size_t size() const { return sessions_.size(); }
  // By an administrator (`gatehouse kill`, the web's session page); false when unknown.
  bool kill(const std::string& id, const std::string& by);
  bool shut(const std::string& id, const shut_reason& why);  // false when unknown
  void shut_all(const std::string& text = "Gatehouse is shutting down");
  // Ends every session that is not held (on_store_loss: terminate); held ones go on waiting.
  // How many were ended.
  std::size_t shut_live(const shut_reason& why);

 private:
  std::map<std::string, std::shared_ptr<live_session>> sessions_;
};

}  // namespace gatehouse::proxy::session
