#pragma once
// Mail as the daemon runs it: the notifier that fills the outbox (the store's, given by
// storage::open_storage) and the one sender thread that empties it. Started when `mail.smtp`
// is configured.
#include <memory>
#include <mutex>
#include <string>

#include "approval/links.hpp"
#include "approval/token_store.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "mail/mail_counters.hpp"
#include "mail/outbox.hpp"
#include "policy/notifier.hpp"

namespace gatehouse::mail {

class mail_sender;
class mail_notifier;

class mail_service {
 public:
  // Starts the sender thread. `box` (and `reply_tokens`, where approval-by-reply tokens are
  // kept; nullptr offers no replies) must outlive the service.
  static result<std::unique_ptr<mail_service>> start(std::shared_ptr<const config::config> c,
                                                     outbox& box, approval::links& links,
                                                     const clock& clock,
                                                     approval::token_store* reply_tokens = nullptr);
  ~mail_service();

  // A reloaded configuration: new addresses, instance name and SMTP settings apply to the
  // next mail (the sender thread reads them too, hence the copy under a mutex).
  void set_config(std::shared_ptr<const config::config> c);

  policy::notifier& notifier();
  // Queues a mail composed elsewhere (the web app's sign-in links) and wakes the sender.
  result<std::int64_t> send(const outgoing_mail& m, time_point now);
  const mail_counters& counters() const { return counters_; }
  outbox& queue() { return *box_; }
  // Stops the sender (bounded: about a second); mail not yet sent stays queued.
  void stop();

 private:
  mail_service() = default;
  std::shared_ptr<const config::config> config() const;

  mutable std::mutex config_mutex_;
  std::shared_ptr<const config::config> config_;
  mail_counters counters_;
  outbox* box_ = nullptr;
  std::unique_ptr<mail_sender> sender_;
  std::unique_ptr<mail_notifier> notifier_;
};

}  // namespace gatehouse::mail
