#pragma once
// The browser terminal's front end (issue 18): the WebSocket /terminal/ws?t=TICKET that the
// terminal page (web/terminal_pages.cpp, /static/terminal.js) opens. The HTTPS listener hands
// it the connection (web_service's router); it checks the Origin (the public URL's only: no
// cross-site page can open a terminal with the person's cookie, and the cookie alone never
// opens one), redeems the one-time ticket (web/terminal_tickets: person, server, account),
// accepts the WebSocket and runs a terminal_session on it. Sessions are "web-N" in the
// daemon's registry (`gatehouse sessions`, `gatehouse kill`).
//
// Ownership: the daemon's front_ends owns it; it owns the tickets. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "proxy/session/event_sink.hpp"
#include "web/terminal_tickets.hpp"

namespace gatehouse::proxy::session {
class gate;
class registry;
}  // namespace gatehouse::proxy::session
namespace gatehouse::certs {
class certificate_authority;
}
namespace gatehouse::web {
struct taken_connection;
}

namespace gatehouse::terminal {

class terminal_front_end {
 public:
  struct parts {
    proxy::session::gate& gate;
    proxy::session::registry& sessions;
    proxy::session::event_sink events;
    std::function<bool()> sessions_allowed;  // the audit trail's verdict (on_write_failure)
    std::function<std::shared_ptr<const certs::certificate_authority>()> ca;
  };
  terminal_front_end(boost::asio::any_io_executor executor,
                     std::function<std::shared_ptr<const config::config>()> current_config,
                     parts p);
  ~terminal_front_end();
  terminal_front_end(const terminal_front_end&) = delete;
  terminal_front_end& operator=(const terminal_front_end&) = delete;

  web::terminal_tickets& tickets() { return tickets_; }
  // The path the socket is served at.
  static bool serves(std::string_view target);
  // Serves /terminal/ws: refuses with 403 (bad Origin, unknown or used ticket) or runs the
  // terminal until it ends.
  boost::asio::awaitable<void> serve(web::taken_connection& c);

 private:
  boost::asio::any_io_executor executor_;
  std::function<std::shared_ptr<const config::config>()> current_config_;
  parts parts_;
  web::terminal_tickets tickets_;
  // Session ids "web-PREFIX-N", unique across the daemons sharing one store (session_id.hpp).
  const std::string id_prefix_;
  std::uint64_t next_id_ = 0;
};

}  // namespace gatehouse::terminal
