#pragma once
// How the web app sends a one-time sign-in link: the daemon wires this to the mail outbox.
// Implementations must not block the io thread for long (queue the mail).
#include <spdlog/spdlog.h>

#include <string>

#include "config/config.hpp"

namespace gatehouse::web {

class sign_in_mailer {
 public:
  virtual ~sign_in_mailer() = default;
  virtual void send_sign_in(const config::user& person, const std::string& url) = 0;
};

// Until mail is wired: says that a link was asked for, never the link itself (it is a secret).
class log_sign_in_mailer final : public sign_in_mailer {
 public:
  void send_sign_in(const config::user& person, const std::string&) override {
    spdlog::warn("web: sign-in link for {} not sent: no mail outbox is wired", person.name);
  }
};

}  // namespace gatehouse::web
