#pragma once
// The durable mail queue (SPEC "Mail": an SMTP outage delays mail, never loses it). A mail is
// written to the store before the notifier returns; the sender takes the due ones, marks each
// sent, or records the failure and when to try again.
//
// Secrets at rest: a message carries approval and sign-in links, so it is kept only until
// the SMTP server took it. mark_sent() erases the message and leaves the row (recipient,
// subject, times) as a record, which prune_sent() deletes after `mail.keep_sent`.
//
// One interface, several backends (storage/: SQLite and PostgreSQL); what every
// backend must honour is checked by the conformance suite in tests/mail/outbox_test.cpp.
// Implementations are thread-safe (the notifier enqueues from the acting thread, the sender
// works on its own).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "policy/result.hpp"

namespace gatehouse::mail {

template <typename T>
using result = policy::result<T>;

struct outgoing_mail {
  std::string recipient;  // addr-spec
  std::string subject;    // as people read it (for listings and logs)
  std::string body;       // the whole RFC 5322 message, CRLF line endings
  // Queued at most once under this key (kept while the row is: until prune_sent); "" for no
  // key. A notice delivered again after a crash queues nothing new (policy/notice_codec.hpp).
  std::string once_key{};
};

// The key as stored: none for "".
inline std::optional<std::string> once_key_column(const outgoing_mail& m) {
  if (m.once_key.empty()) return std::nullopt;
  return m.once_key;
}

struct queued_mail {
  std::int64_t id = 0;
  outgoing_mail mail;
  int attempts = 0;  // failed attempts so far
};

class outbox {
 public:
  virtual ~outbox() = default;

  // Stores the mails in one transaction (one disk sync), due at once. Returns their ids, 0 for
  // a mail whose once_key was queued before (then nothing is stored for it).
  virtual result<std::vector<std::int64_t>> enqueue(const std::vector<outgoing_mail>& mails,
                                                    time_point now) = 0;
  // Unsent mail due at `now`, oldest first, at most `limit`.
  virtual result<std::vector<queued_mail>> due(time_point now, std::size_t limit) = 0;
  // What the sender takes: like due(), and each mail returned is claimed for `lease` (its
  // next attempt moved to now + lease, atomically with choosing it), so that no other sender,
  // on this daemon or another sharing the store, takes it meanwhile. mark_sent() or
  // mark_failed() settles it; a sender that dies mid-send leaves it to be tried again when the
  // lease ends. So each mail is sent once whichever daemons are up (again only after a crash
  // between the SMTP server's acceptance and mark_sent).
  virtual result<std::vector<queued_mail>> claim_due(time_point now, std::size_t limit,
                                                     std::chrono::milliseconds lease) = 0;
  // When the next unsent mail is due; nullopt when nothing waits.
  virtual result<std::optional<time_point>> next_due() = 0;
  // Delivered: erases the message (its links) and keeps the row as a record of the delivery.
  // The message leaves the store's files promptly, not only its tables (SQLite: the freed
  // bytes and the write-ahead log). May take a moment: call it from the mail thread.
  virtual result<void> mark_sent(std::int64_t id, time_point now) = 0;
  // One more failed attempt: remembers `error` and tries again at `retry_at`.
  virtual result<void> mark_failed(std::int64_t id, const std::string& error,
                                   time_point retry_at) = 0;
  // How many mails wait to be sent.
  virtual result<std::int64_t> unsent() = 0;
  // Deletes the rows of mail sent before `sent_before`; returns how many. Also clears what the
  // store keeps of erased messages elsewhere (SQLite: the write-ahead log). May take a while
  // on a large table: call it from the mail thread, never from the io thread.
  virtual result<std::int64_t> prune_sent(time_point sent_before) = 0;
};

}  // namespace gatehouse::mail
