#pragma once
// Everything behind listen.http, as the daemon holds it: the token store, the approval links
// mail uses, the web app and its HTTPS server. The daemon owns one when listen.http is set.
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

namespace gatehouse::web {

class sign_in_mailer;

struct web_service_context {
  boost::asio::any_io_executor executor;
  std::shared_ptr<const config::config> initial;  // listen.http must be set
  std::function<std::shared_ptr<const config::config>()> current_config;
  policy::gate_service& gate;
  const clock& clk;
  std::function<std::size_t()> held_connections;
};

class web_service {
 public:
  // Opens the token store (the sqlite: store's file) and loads the certificate; a one-line
  // reason when either fails.
  static std::variant<std::unique_ptr<web_service>, std::string> create(web_service_context c);
  ~web_service();

  void accept(boost::asio::ip::tcp::socket socket, std::string peer);
  void stop();

  // For the mail notifier: approval and request links on the public URL.
  approval::links& links();
  // Sign-in mails go here; log-only until replaced (mail wiring). Not owned; must outlive this.
  void set_sign_in_mailer(sign_in_mailer& mailer);

 private:
  struct impl;
  explicit web_service(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::web
