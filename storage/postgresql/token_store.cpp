// The PostgreSQL token store: rows of hashes only (approval/token_store.hpp holds the secret
// handling). use() is one conditional UPDATE: under READ COMMITTED a second concurrent use
// waits for the first, re-reads the row and finds it used, so only one succeeds.
#include "policy/record_codec.hpp"
#include "storage/postgresql/connection.hpp"
#include "storage/postgresql/parts.hpp"

namespace gatehouse::storage::postgresql {

namespace {

using approval::token_kind;
using approval::token_record;
using policy::codec::from_millis;
using policy::codec::to_millis;

constexpr std::size_t pool_size = 2;  // the web's worker and the io thread's sign-in checks

class pg_token_store final : public approval::token_store {
 public:
  explicit pg_token_store(std::unique_ptr<pool> p) : pool_(std::move(p)) {}

 private:
  template <typename F>
  auto with(F f) -> decltype(f(std::declval<connection&>())) {
    return with_connection(*pool_, f);
  }

  result<void> insert_token(const std::string& selector_hash, const std::string& token_hash,
                            const token_record& r, time_point now,
                            time_point expired_before) override {
    return with([&](connection& c) -> result<void> {
      if (auto purge = c.query("DELETE FROM web_tokens WHERE expires_at < $1",
                               params().add(to_millis(expired_before)));
          !purge)
        return purge.err();
      auto done = c.query(
          "INSERT INTO web_tokens (selector_hash, token_hash, kind, person, request_id, next,"
          " created, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
          params()
              .add(selector_hash)
              .add(token_hash)
              .add(to_string(r.kind))
              .add(r.person)
              .add(r.request_id)
              .add(r.next)
              .add(to_millis(now))
              .add(to_millis(r.expires)));
      if (!done) return done.err();
      return {};
    });
  }

  result<std::optional<stored_token>> find_token(const std::string& selector_hash,
                                                 token_kind kind) override {
    return with([&](connection& c) -> result<std::optional<stored_token>> {
      auto r = c.query(
          "SELECT token_hash, person, request_id, next, created, expires_at, used_at"
          " FROM web_tokens WHERE selector_hash = $1 AND kind = $2",
          params().add(selector_hash).add(to_string(kind)));
      if (!r) return r.err();
      if (r->count() == 0) return std::optional<stored_token>{};
      stored_token out;
      out.token_hash = r->text(0, 0);
      out.record.kind = kind;
      out.record.person = r->text(0, 1);
      out.record.request_id = r->integer(0, 2);
      out.record.next = r->text(0, 3);
      out.record.created = from_millis(r->integer(0, 4));
      out.record.expires = from_millis(r->integer(0, 5));
      if (auto used = r->optional_integer(0, 6)) out.record.used_at = from_millis(*used);
      return std::optional<stored_token>(std::move(out));
    });
  }

  result<bool> consume_token(const std::string& selector_hash, token_kind kind,
                             time_point now) override {
    return with([&](connection& c) -> result<bool> {
      auto r = c.query(
          "UPDATE web_tokens SET used_at = $1 WHERE selector_hash = $2 AND kind = $3"
          " AND used_at IS NULL AND expires_at > $1",
          params().add(to_millis(now)).add(selector_hash).add(to_string(kind)));
      if (!r) return r.err();
      return r->affected() == 1;
    });
  }

  result<void> delete_token(const std::string& selector_hash, token_kind kind) override {
    return with([&](connection& c) -> result<void> {
      auto r = c.query("DELETE FROM web_tokens WHERE selector_hash = $1 AND kind = $2",
                       params().add(selector_hash).add(to_string(kind)));
      if (!r) return r.err();
      return {};
    });
  }

  result<std::int64_t> count_usable_tokens(token_kind kind, time_point now) override {
    return with([&](connection& c) -> result<std::int64_t> {
      auto r = c.query(
          "SELECT COUNT(*) FROM web_tokens WHERE kind = $1 AND used_at IS NULL AND expires_at > $2",
          params().add(to_string(kind)).add(to_millis(now)));
      if (!r) return r.err();
      return r->integer(0, 0);
    });
  }

  std::unique_ptr<pool> pool_;
};

}  // namespace

result<std::unique_ptr<approval::token_store>> open_token_store(const std::string& conninfo,
                                                                const std::string& shown_url) {
  auto p = pool::open(conninfo, pool_size);
  if (!p)
    return make_error(error_code::internal,
                      "cannot open the token store in " + shown_url + ": " + p.message());
  return std::unique_ptr<approval::token_store>(new pg_token_store(std::move(*p)));
}

}  // namespace gatehouse::storage::postgresql
