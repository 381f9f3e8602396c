#include "storage/sqlite/outbox.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "policy/record_codec.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"

namespace gatehouse::storage::sqlite {

namespace {

using mail::outgoing_mail;
using mail::queued_mail;

using policy::codec::from_millis;
using policy::codec::to_millis;

class sqlite_outbox final : public mail::outbox {
 public:
  explicit sqlite_outbox(std::unique_ptr<database> db) : db_(std::move(db)) {}

  result<std::vector<std::int64_t>> enqueue(const std::vector<outgoing_mail>& mails,
                                            time_point now) override {
    std::lock_guard lock(mutex_);
    auto tx = transaction::begin(*db_);
    if (!tx) return tx.err();
    std::vector<std::int64_t> ids;
    for (const auto& m : mails) {
      auto stmt = db_->prepare(
          "INSERT INTO mail_outbox (recipient, subject, body, created_at, attempts,"
          " next_attempt_at, last_error, once_key) VALUES (?1, ?2, ?3, ?4, 0, ?4, '', ?5)"
          " ON CONFLICT (once_key) DO NOTHING");
      if (!stmt) return stmt.err();
      (*stmt)->bind(1, m.recipient).bind(2, m.subject).bind(3, m.body).bind(4, to_millis(now));
      if (auto key = mail::once_key_column(m))
        (*stmt)->bind(5, *key);
      else
        (*stmt)->bind_null(5);
      if (auto r = (*stmt)->run(); !r) return r.err();
      ids.push_back(db_->changes() == 0 ? 0 : db_->last_insert_rowid());
    }
    if (auto r = tx->commit(); !r) return r.err();
    return ids;
  }

  result<std::vector<queued_mail>> due(time_point now, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "SELECT id, recipient, subject, body, attempts FROM mail_outbox"
        " WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
    if (!stmt) return stmt.err();
    (*stmt)->bind(1, to_millis(now)).bind(2, std::int64_t(limit));
    return read_mail(**stmt);
  }

  result<std::vector<queued_mail>> claim_due(time_point now, std::size_t limit,
                                             std::chrono::milliseconds lease) override {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "UPDATE mail_outbox SET next_attempt_at = ?1 WHERE id IN (SELECT id FROM mail_outbox"
        " WHERE sent_at IS NULL AND next_attempt_at <= ?2 ORDER BY next_attempt_at, id LIMIT ?3)"
        " RETURNING id, recipient, subject, body, attempts");
    if (!stmt) return stmt.err();
    (*stmt)->bind(1, to_millis(now + lease)).bind(2, to_millis(now)).bind(3, std::int64_t(limit));
    auto out = read_mail(**stmt);
    if (out)  // RETURNING gives no order: oldest first by id
      std::sort(out->begin(), out->end(),
                [](const queued_mail& a, const queued_mail& b) { return a.id < b.id; });
    return out;
  }

  result<std::optional<time_point>> next_due() override {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE sent_at IS NULL");
    if (!stmt) return stmt.err();
    auto row = (*stmt)->step();
    if (!row) return row.err();
    auto at = (*stmt)->optional_integer(0);
    if (!at) return std::optional<time_point>();
    return std::optional<time_point>(from_millis(*at));
  }

  result<void> mark_sent(std::int64_t id, time_point now) override {
    {
      std::lock_guard lock(mutex_);
      auto stmt = db_->prepare(
          "UPDATE mail_outbox SET sent_at = ?, last_error = '', body = '' WHERE id = ?");
      if (!stmt) return stmt.err();
      if (auto r = (*stmt)->bind(1, to_millis(now)).bind(2, id).run(); !r) return r;
    }
    // The page with the message is zeroed in the file, but the log still holds its older
    // images (from enqueue on): take them out now rather than at the next prune.
    for (int attempt = 0; attempt < 10 && !truncate_wal(); ++attempt)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return {};
  }

  result<void> mark_failed(std::int64_t id, const std::string& error,
                           time_point retry_at) override {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
        " WHERE id = ?");
    if (!stmt) return stmt.err();
    return (*stmt)->bind(1, error).bind(2, to_millis(retry_at)).bind(3, id).run();
  }

  result<std::int64_t> unsent() override {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL");
    if (!stmt) return stmt.err();
    auto row = (*stmt)->step();
    if (!row) return row.err();
    return (*stmt)->integer(0);
  }

  result<std::int64_t> prune_sent(time_point sent_before) override {
    // In batches, so that the store's other writers never wait long for the write lock.
    constexpr std::int64_t batch = 500;
    std::int64_t deleted = 0;
    for (;;) {
      std::lock_guard lock(mutex_);
      auto stmt = db_->prepare(
          "DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox"
          " WHERE sent_at IS NOT NULL AND sent_at < ? LIMIT ?)");
      if (!stmt) return stmt.err();
      if (auto r = (*stmt)->bind(1, to_millis(sent_before)).bind(2, batch).run(); !r)
        return r.err();
      const int changed = db_->changes();
      deleted += changed;
      if (changed < batch) break;
    }
    truncate_wal();
    return deleted;
  }

 private:
  // The rows of a statement selecting id, recipient, subject, body, attempts.
  static result<std::vector<queued_mail>> read_mail(statement& s) {
    std::vector<queued_mail> out;
    for (;;) {
      auto row = s.step();
      if (!row) return row.err();
      if (!*row) return out;
      queued_mail q;
      q.id = s.integer(0);
      q.mail.recipient = s.text(1);
      q.mail.subject = s.text(2);
      q.mail.body = s.text(3);
      q.attempts = int(s.integer(4));
      out.push_back(std::move(q));
    }
  }

  // The write-ahead log keeps old images of the pages that held erased messages until it
  // starts over, and even then beyond its new end: copy it into the file and cut it to
  // nothing now, if no other connection is reading (best effort: without waiting, so no other
  // writer waits for it either). True when the log is empty.
  bool truncate_wal() {
    std::lock_guard lock(mutex_);
    (void)db_->exec("PRAGMA busy_timeout = 0");
    bool done = false;
    if (auto stmt = db_->prepare("PRAGMA wal_checkpoint(TRUNCATE)"))
      if (auto row = (*stmt)->step(); row && *row) done = (*stmt)->integer(0) == 0;  // busy?
    (void)db_->exec("PRAGMA busy_timeout = 5000");
    return done;
  }

  std::mutex mutex_;
  std::unique_ptr<database> db_;
};

}  // namespace

result<std::unique_ptr<mail::outbox>> open_outbox(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return make_error(error_code::internal, "cannot open the mail outbox in " + path + ": " + why);
  };
  auto db = open_migrated(path, {"PRAGMA secure_delete = ON"});
  if (!db) return fail(db.message());
  // Mail sent by an older version still holds its message: erase it now.
  if (auto r =
          (*db)->exec("UPDATE mail_outbox SET body = '' WHERE sent_at IS NOT NULL AND body != ''");
      !r)
    return fail(r.message());
  return std::unique_ptr<mail::outbox>(new sqlite_outbox(std::move(*db)));
}

}  // namespace gatehouse::storage::sqlite
