#pragma once
// Everything behind listen.http, as the daemon holds it: the approval links mail uses (over
// the token store the daemon opened with storage::open_storage), the web app and its HTTPS
// server, and the signer of gated web apps' assertions (listen.http.assertion_key, or a key
// generated at start: then apps see a new key after each restart). The daemon owns one when
// listen.http is set.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "approval/links.hpp"
#include "config/config.hpp"
#include "core/time.hpp"

namespace gatehouse::policy {
class gate_service;
}
namespace gatehouse::operations {
class service;
}
namespace gatehouse::mail {
class mail_service;
}
namespace gatehouse::approval {
class token_store;
}
namespace gatehouse::apps {
class assertion_signer;
class app_front_end;
}

namespace gatehouse::terminal {
class terminal_front_end;
}
namespace gatehouse::websftp {
class sftp_front_end;
}

namespace gatehouse::web {

struct web_service_context {
  boost::asio::any_io_executor executor;
  std::shared_ptr<const config::config> initial;  // listen.http must be set
  std::function<std::shared_ptr<const config::config>()> current_config;
  const clock& clk;
  approval::token_store& tokens;  // outlives the web_service
};

// Two steps, because mail needs the links before the policy core exists and the pages need the
// policy core: create() (links usable), then attach() (pages served).
class web_service {
 public:
  // Loads the certificate and the assertion key; a one-line reason when that fails.
  static std::variant<std::unique_ptr<web_service>, std::string> create(web_service_context c);
  ~web_service();

  // The gate and the operations behind the pages; until then every page answers 503. With `mail`
  // (null when mail is off), sign-in links are mailed and /metrics shows the mail queue.
  // `connection_metrics` gives the front ends' Prometheus lines (refusals by reason). With
  // `apps` (the HTTP front end), requests for an app's host name are handed to it and the
  // portal opens apps through it.
  void attach(policy::gate_service& gate, operations::service& operations,
              std::function<std::size_t()> held_connections, mail::mail_service* mail,
              std::function<std::string()> connection_metrics = {},
              apps::app_front_end* apps = nullptr);

  // The browser terminal (its socket /terminal/ws and, through its tickets, the pages
  // /terminal/...); set before attach(). Unset: no terminal.
  void set_terminal(terminal::terminal_front_end* terminal);
  // The web SFTP (its routes /sftp-api/... and, through its tickets, the pages /sftp/...); set
  // before attach(). Unset: no file browser.
  void set_sftp(websftp::sftp_front_end* sftp);

  void accept(boost::asio::ip::tcp::socket socket, std::string peer);
  void stop();

  // For the mail notifier: approval and request links on the public URL.
  approval::links& links();
  // Signs the Gatehouse-Jwt-Assertion of gated web apps; its JWKS is /.well-known/jwks.json.
  // Lives as long as the web_service; sign() may be called from any thread.
  const apps::assertion_signer& assertion_signer() const;

 private:
  struct impl;
  explicit web_service(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::web
