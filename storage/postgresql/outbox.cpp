// The PostgreSQL mail outbox. Several daemons' senders share it: claim_due() chooses due rows
// with FOR UPDATE SKIP LOCKED and moves their next attempt past the lease in the same
// statement, so two senders never take one mail. mark_sent() empties the message; PostgreSQL
// keeps the old row version until VACUUM reclaims it (autovacuum; prune_sent() asks for no
// more than the DELETE).
#include <algorithm>

#include "policy/record_codec.hpp"
#include "storage/postgresql/connection.hpp"
#include "storage/postgresql/parts.hpp"

namespace gatehouse::storage::postgresql {

namespace {

using mail::outgoing_mail;
using mail::queued_mail;
using policy::codec::from_millis;
using policy::codec::to_millis;

constexpr std::size_t pool_size = 2;  // the notifier (acting thread) and the sender

std::vector<queued_mail> read_mail(const rows& r) {
  std::vector<queued_mail> out;
  for (int i = 0; i < r.count(); ++i) {
    queued_mail q;
    q.id = r.integer(i, 0);
    q.mail.recipient = r.text(i, 1);
    q.mail.subject = r.text(i, 2);
    q.mail.body = r.text(i, 3);
    q.attempts = int(r.integer(i, 4));
    out.push_back(std::move(q));
  }
  return out;
}

class pg_outbox final : public mail::outbox {
 public:
  explicit pg_outbox(std::unique_ptr<pool> p) : pool_(std::move(p)) {}

  result<std::vector<std::int64_t>> enqueue(const std::vector<outgoing_mail>& mails,
                                            time_point now) override {
    return with([&](connection& c) -> result<std::vector<std::int64_t>> {
      auto tx = transaction::begin(c);
      if (!tx) return tx.err();
      std::vector<std::int64_t> ids;
      for (const auto& m : mails) {
        auto r = c.query(
            "INSERT INTO mail_outbox (recipient, subject, body, created_at, attempts,"
            " next_attempt_at, last_error, once_key) VALUES ($1, $2, $3, $4, 0, $4, '', $5)"
            " ON CONFLICT (once_key) DO NOTHING RETURNING id",
            params()
                .add(m.recipient)
                .add(m.subject)
                .add(m.body)
                .add(to_millis(now))
                .add(mail::once_key_column(m)));
        if (!r) return r.err();
        ids.push_back(r->count() == 0 ? 0 : r->integer(0, 0));
      }
      if (auto r = tx->commit(); !r) return r.err();
      return ids;
    });
  }

  result<std::vector<queued_mail>> due(time_point now, std::size_t limit) override {
    return with([&](connection& c) -> result<std::vector<queued_mail>> {
      auto r = c.query(
          "SELECT id, recipient, subject, body, attempts FROM mail_outbox"
          " WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id"
          " LIMIT $2",
          params().add(to_millis(now)).add(std::int64_t(limit)));
      if (!r) return r.err();
      return read_mail(*r);
    });
  }

  result<std::vector<queued_mail>> claim_due(time_point now, std::size_t limit,
                                             std::chrono::milliseconds lease) override {
    return with([&](connection& c) -> result<std::vector<queued_mail>> {
      auto r = c.query(
          "WITH picked AS (SELECT id FROM mail_outbox WHERE sent_at IS NULL"
          " AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3"
          " FOR UPDATE SKIP LOCKED)"
          " UPDATE mail_outbox m SET next_attempt_at = $1 FROM picked WHERE m.id = picked.id"
          " RETURNING m.id, m.recipient, m.subject, m.body, m.attempts",
          params().add(to_millis(now + lease)).add(to_millis(now)).add(std::int64_t(limit)));
      if (!r) return r.err();
      auto out = read_mail(*r);
      std::sort(out.begin(), out.end(),
                [](const queued_mail& a, const queued_mail& b) { return a.id < b.id; });
      return out;
    });
  }

  result<std::optional<time_point>> next_due() override {
    return with([&](connection& c) -> result<std::optional<time_point>> {
      auto r = c.query("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE sent_at IS NULL");
      if (!r) return r.err();
      auto at = r->optional_integer(0, 0);
      if (!at) return std::optional<time_point>();
      return std::optional<time_point>(from_millis(*at));
    });
  }

  result<void> mark_sent(std::int64_t id, time_point now) override {
    return run("UPDATE mail_outbox SET sent_at = $1, last_error = '', body = '' WHERE id = $2",
               params().add(to_millis(now)).add(id));
  }

  result<void> mark_failed(std::int64_t id, const std::string& error,
                           time_point retry_at) override {
    return run(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2"
        " WHERE id = $3",
        params().add(error).add(to_millis(retry_at)).add(id));
  }

  result<std::int64_t> unsent() override {
    return with([&](connection& c) -> result<std::int64_t> {
      auto r = c.query("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL");
      if (!r) return r.err();
      return r->integer(0, 0);
    });
  }

  result<std::int64_t> prune_sent(time_point sent_before) override {
    return with([&](connection& c) -> result<std::int64_t> {
      auto r = c.query("DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at < $1",
                       params().add(to_millis(sent_before)));
      if (!r) return r.err();
      return r->affected();
    });
  }

 private:
  template <typename F>
  auto with(F f) -> decltype(f(std::declval<connection&>())) {
    return with_connection(*pool_, f);
  }

  result<void> run(const std::string& sql, const params& p) {
    return with([&](connection& c) -> result<void> {
      auto r = c.query(sql, p);
      if (!r) return r.err();
      return {};
    });
  }

  std::unique_ptr<pool> pool_;
};

}  // namespace

result<std::unique_ptr<mail::outbox>> open_outbox(const std::string& conninfo,
                                                  const std::string& shown_url) {
  auto p = pool::open(conninfo, pool_size);
  if (!p)
    return make_error(error_code::internal,
                      "cannot open the mail outbox in " + shown_url + ": " + p.message());
  return std::unique_ptr<mail::outbox>(new pg_outbox(std::move(*p)));
}

}  // namespace gatehouse::storage::postgresql
