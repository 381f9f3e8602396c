#pragma once
// The web SFTP's front end (issue 18): the routes under /sftp-api/ that the file browser page
// (web/terminal_pages.cpp's /sftp/SERVER/ACCOUNT, /static/sftp.js) calls. The HTTPS listener
// hands it each request whose path is its own (web_service's router), as a streaming route.
//
//   POST /sftp-api/open?t=TICKET            redeems the page's one-time ticket (person, server,
//                                           account: web/terminal_tickets), opens a session
//                                           (websftp/sftp_session): {"key", "home"}
//   GET  /sftp-api/list?k=KEY&path=P        {"path", "entries": [{name, dir, size, mtime}],
//                                           "truncated"} (at most max_listing_entries)
//   GET  /sftp-api/download?k=KEY&path=P    the file, streamed
//   GET  /sftp-api/events?k=KEY             server-sent events: `warning` (the grant ends in 5
//                                           or 1 minute), then `ended` with the reason
//   POST /sftp-api/upload?k=KEY&path=P      the body, streamed into P (web_sftp.max_upload_bytes)
//   POST /sftp-api/rename?k=KEY&path=P&to=Q, /mkdir?k=KEY&path=P, /delete?k=KEY&path=P[&dir=1]
//   POST /sftp-api/close?k=KEY              ends the session (the page is left)
// The key ("ID.SECRET", the secret compared in constant time) is what acts: the cookie alone
// never does. POSTs need the gate's own Origin; a GET whose Sec-Fetch-Site names another site
// is refused. Paths are the browser's: taken only through websftp::browser_path. A session
// that has ended answers 410 with its reason ("access grant #3 ended: revoked by bob").
//
// Ownership: the daemon's front_ends owns it; it owns the tickets and the table of sessions.
// io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

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
class streamed_exchange;
}

namespace gatehouse::websftp {

class sftp_session;

class sftp_front_end {
 public:
  struct parts {
    proxy::session::gate& gate;
    proxy::session::registry& sessions;
    proxy::session::event_sink events;
    std::function<bool()> sessions_allowed;  // the audit trail's verdict (on_write_failure)
    std::function<std::shared_ptr<const certs::certificate_authority>()> ca;
  };
  sftp_front_end(boost::asio::any_io_executor executor,
                 std::function<std::shared_ptr<const config::config>()> current_config, parts p);
  ~sftp_front_end();
  sftp_front_end(const sftp_front_end&) = delete;
  sftp_front_end& operator=(const sftp_front_end&) = delete;

  web::terminal_tickets& tickets() { return tickets_; }
  static bool serves(std::string_view target);
  boost::asio::awaitable<void> serve(web::streamed_exchange& ex);

 private:
  boost::asio::awaitable<void> open(web::streamed_exchange& ex, const std::string& ticket);
  std::shared_ptr<sftp_session> find(std::string_view key, std::string& why);

  boost::asio::any_io_executor executor_;
  std::function<std::shared_ptr<const config::config>()> current_config_;
  parts parts_;
  web::terminal_tickets tickets_;
  const std::string id_prefix_;
  std::uint64_t next_id_ = 0;
  struct entry {
    std::string secret;
    std::shared_ptr<sftp_session> session;
  };
  std::map<std::string, entry, std::less<>> sessions_;  // by session id
};

}  // namespace gatehouse::websftp
