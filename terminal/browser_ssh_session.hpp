#pragma once
// What the two browser sessions of the SSH gate (terminal::terminal_session, the browser
// terminal, and websftp::sftp_session, the web SFTP) share, written once: who and what the
// session is (person, server, account, client, its id in the registry), the gate's decision
// turned into an upstream leg (web_leg: refusal words, the policy's authorization), the
// upstream's login steps, the libssh channel's lifetime, and their audit events (protocol ssh,
// via web; session.start's and session.end's common fields). Each subclass opens its own
// channel (a pty and a shell, or the sftp subsystem), relays, and says when it is live.
//
// Ownership: the subclass is owned as its front end says (shared_ptr); this part frees the
// channel it holds. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <libssh/libssh.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/time.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/gate.hpp"
#include "proxy/session/grant_watch.hpp"
#include "proxy/session/registry.hpp"
#include "web/terminal_tickets.hpp"

namespace gatehouse::certs {
class certificate_authority;
}
namespace gatehouse::proxy::ssh {
class upstream;
}

namespace gatehouse::terminal {

// What a browser session is given by its front end: the gate it asks, the registry it is
// listed in, its audit events and the SSH CA, if any.
struct browser_session_parts {
  proxy::session::gate& gate;
  proxy::session::registry& sessions;
  proxy::session::event_sink events;
  std::function<std::shared_ptr<const certs::certificate_authority>()> ca;
};

class browser_ssh_session : public proxy::session::live_session {
 public:
  const std::string& id() const override { return id_; }
  bool held() const override { return false; }
  void shut(const proxy::session::shut_reason& why) override { close(why.text, why.log); }

 protected:
  browser_ssh_session(boost::asio::any_io_executor executor, browser_session_parts parts,
                      std::shared_ptr<const config::config> config, std::string id,
                      web::terminal_target target, std::string client);
  ~browser_ssh_session() override;
  browser_ssh_session(const browser_ssh_session&) = delete;
  browser_ssh_session& operator=(const browser_ssh_session&) = delete;

  // Ends the session: the person is told `text`, the log and session.end say `log_reason`.
  virtual void close(const std::string& text, const std::string& log_reason) = 0;

  // The gate's decision: a refusal is audited (access.denied) and closes the session; an allow
  // keeps its authorization and rule and makes the upstream leg (not started). False if closed.
  bool admit(const proxy::session::decision& d);

  enum class login { waiting, failed, ready };
  // One step of the upstream's login: `failed` once it failed (upstream.failure audited, the
  // session closed), `ready` once it is in (channel_ is then a new, unopened channel).
  login step_login();

  // session.start's fields (rule, host key, grant, certificate key id); the duration counts
  // from here.
  boost::json::object start_fields();
  // Stops the grant watch, frees the channel and closes the upstream leg.
  void end_leg();
  // session.end's fields: bytes both ways, the duration since start_fields(), `reason`.
  boost::json::object end_fields(const std::string& reason) const;

  // An audit event of this session: its own fields, then `fields`, protocol ssh, via web.
  void event(std::string_view name, boost::json::object fields);

  boost::asio::any_io_executor executor_;
  browser_session_parts parts_;
  std::shared_ptr<const config::config> config_;
  std::string id_;
  web::terminal_target target_;
  std::string client_;
  time_point started_at_;
  std::chrono::steady_clock::time_point since_;
  std::optional<policy::authorization> authorization_;
  std::string rule_;
  std::unique_ptr<proxy::ssh::upstream> upstream_;
  ssh_channel channel_ = nullptr;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
  proxy::session::grant_watch grant_watch_;
};

}  // namespace gatehouse::terminal
