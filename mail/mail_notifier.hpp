#pragma once
// policy::notifier by mail: composes each mail (notification_mail), renders it (mime) and
// queues it durably in the outbox, one mail per recipient; the sender delivers it later.
// Approvers due to act get approve / deny links from approval::links (or the commands that
// decide, without a web listener); the requester hears of every decision; every approver
// hears of emergency access. People without an email address are skipped (logged once each).
// Where the rule allows decisions by reply (mail/reply_policy), each approver's mail has its
// own single-use token in its Reply-To (LOCAL+TOKEN@DOMAIN of mail.reply_to, else mail.from)
// and its subject; the token store keeps only its hash.
//
// Thread-safe; never waits for SMTP (only for the outbox's SQLite insert).
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "approval/links.hpp"
#include "approval/token_store.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "mail/mail_counters.hpp"
#include "mail/notification_mail.hpp"
#include "mail/outbox.hpp"
#include "policy/notifier.hpp"

namespace gatehouse::mail {

class mail_notifier final : public policy::notifier {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;

  // `queued` is called after each mail is stored (to wake the sender).
  // `reply_tokens`: where the single-use tokens of approval by reply are kept (hashed, kind
  // approval); nullptr offers no replies.
  mail_notifier(config_source config, approval::links& links, outbox& box, const clock& clock,
                mail_counters& counters, std::function<void()> queued,
                approval::token_store* reply_tokens = nullptr);

  bool ask_approvers(const policy::request& r, std::size_t level,
                     const std::vector<std::string>& people, std::string_view once) override;
  bool tell_requester(const policy::request& r, policy::happening_kind what, const std::string& by,
                      const std::string& comment, std::string_view once) override;
  bool ask_fulfillers(const policy::request& r, const std::vector<std::string>& fulfillers,
                      std::string_view once) override;
  bool tell_emergency(const policy::request& r, const std::vector<std::string>& approvers,
                      std::string_view once) override;

 private:
  // The person's address, or "" (logged once per person).
  std::string address_of(const config::config& c, const std::string& person);
  // One mail to `address`, queued at most once under `once` + address (none for "").
  outgoing_mail message(const config::config& c, const std::string& address,
                        const mail_content& content, policy::request_id id, std::string_view once,
                        const std::string& reply_token = {}) const;
  // A fresh reply token for `approver` on `r`, or "" (replies not offered, or not stored).
  std::string reply_token(const config::config& c, const policy::request& r,
                          const std::string& approver);
  // Stores one notification's mails in one transaction and wakes the sender; false when they
  // could not be stored.
  bool queue(const std::vector<outgoing_mail>& mails);

  config_source config_;
  approval::links& links_;
  outbox& box_;
  const clock& clock_;
  mail_counters& counters_;
  std::function<void()> queued_;
  approval::token_store* reply_tokens_;
  std::mutex mutex_;
  std::set<std::string> told_no_address_;
};

// The mail context of a configuration: its instance name and how to reach its SSH listener.
mail_context context_of(const config::config& c);

}  // namespace gatehouse::mail
