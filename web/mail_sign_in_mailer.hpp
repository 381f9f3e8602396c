#pragma once
// Sign-in links by mail: a short plain-text and HTML message queued in mail's durable outbox.
#include <functional>
#include <memory>

#include "core/time.hpp"
#include "web/sign_in_mailer.hpp"

namespace gatehouse::mail {
class mail_service;
}

namespace gatehouse::web {

class mail_sign_in_mailer final : public sign_in_mailer {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;
  mail_sign_in_mailer(mail::mail_service& mail, config_source config, const clock& clk)
      : mail_(mail), config_(std::move(config)), clock_(clk) {}
  void send_sign_in(const config::user& person, const std::string& url) override;

 private:
  mail::mail_service& mail_;
  config_source config_;
  const clock& clock_;
};

}  // namespace gatehouse::web
