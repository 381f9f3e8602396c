#include "mail/mail_service.hpp"

#include <spdlog/spdlog.h>

#include "mail/mail_notifier.hpp"
#include "mail/mail_sender.hpp"

namespace gatehouse::mail {

result<std::unique_ptr<mail_service>> mail_service::start(std::shared_ptr<const config::config> c,
                                                          outbox& box, approval::links& links,
                                                          const clock& clock,
                                                          approval::token_store* reply_tokens) {
  std::unique_ptr<mail_service> s(new mail_service);
  mail_service* self = s.get();
  s->config_ = std::move(c);
  s->box_ = &box;
  s->sender_ = std::make_unique<mail_sender>(
      *s->box_, [self] { return self->config()->mail; }, clock, s->counters_);
  mail_sender* sender = s->sender_.get();
  s->notifier_ =
      std::make_unique<mail_notifier>([self] { return self->config(); }, links, *s->box_, clock,
                                      s->counters_, [sender] { sender->wake(); }, reply_tokens);
  s->sender_->start();
  if (auto waiting = s->box_->unsent(); waiting && *waiting > 0)
    spdlog::info("mail: {} mail(s) waiting in the outbox", *waiting);
  return s;
}

mail_service::~mail_service() { stop(); }

void mail_service::set_config(std::shared_ptr<const config::config> c) {
  std::lock_guard lock(config_mutex_);
  config_ = std::move(c);
}

std::shared_ptr<const config::config> mail_service::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

policy::notifier& mail_service::notifier() { return *notifier_; }

result<std::int64_t> mail_service::send(const outgoing_mail& m, time_point now) {
  auto ids = box_->enqueue({m}, now);
  if (!ids) return ids.err();
  ++counters_.queued;
  sender_->wake();
  return ids->front();
}

void mail_service::stop() {
  if (sender_) sender_->stop();
}

}  // namespace gatehouse::mail
