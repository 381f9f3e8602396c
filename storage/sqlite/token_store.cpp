#include "storage/sqlite/token_store.hpp"

#include <mutex>

#include "policy/record_codec.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"

namespace gatehouse::storage::sqlite {

namespace {

using approval::token_kind;
using approval::token_record;

using policy::codec::from_millis;
using policy::codec::to_millis;

class sqlite_token_store final : public approval::token_store {
 public:
  explicit sqlite_token_store(std::unique_ptr<database> db) : db_(std::move(db)) {}

 private:
  result<void> insert_token(const std::string& selector_hash, const std::string& token_hash,
                            const token_record& r, time_point now,
                            time_point expired_before) override {
    std::lock_guard lock(mutex_);
    if (auto purge = db_->prepare("DELETE FROM web_tokens WHERE expires_at < ?"); !purge) {
      return purge.err();
    } else if (auto done = (*purge)->bind(1, to_millis(expired_before)).run(); !done) {
      return done.err();
    }
    auto insert = db_->prepare(
        "INSERT INTO web_tokens (selector_hash, token_hash, kind, person, request_id, next,"
        " created, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)");
    if (!insert) return insert.err();
    return (*insert)
        ->bind(1, selector_hash)
        .bind(2, token_hash)
        .bind(3, to_string(r.kind))
        .bind(4, r.person)
        .bind(5, r.request_id)
        .bind(6, r.next)
        .bind(7, to_millis(now))
        .bind(8, to_millis(r.expires))
        .run();
  }

  result<std::optional<stored_token>> find_token(const std::string& selector_hash,
                                                 token_kind kind) override {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare(
        "SELECT token_hash, person, request_id, next, created, expires_at, used_at"
        " FROM web_tokens WHERE selector_hash = ? AND kind = ?");
    if (!select) return select.err();
    auto& s = **select;
    s.bind(1, selector_hash).bind(2, to_string(kind));
    auto row = s.step();
    if (!row) return row.err();
    if (!*row) return std::optional<stored_token>{};
    stored_token out;
    out.token_hash = s.text(0);
    out.record.kind = kind;
    out.record.person = s.text(1);
    out.record.request_id = s.integer(2);
    out.record.next = s.text(3);
    out.record.created = from_millis(s.integer(4));
    out.record.expires = from_millis(s.integer(5));
    if (auto used = s.optional_integer(6)) out.record.used_at = from_millis(*used);
    return std::optional<stored_token>(std::move(out));
  }

  result<bool> consume_token(const std::string& selector_hash, token_kind kind,
                             time_point now) override {
    std::lock_guard lock(mutex_);
    auto update = db_->prepare(
        "UPDATE web_tokens SET used_at = ? WHERE selector_hash = ? AND kind = ?"
        " AND used_at IS NULL AND expires_at > ?");
    if (!update) return update.err();
    auto done = (*update)
                    ->bind(1, to_millis(now))
                    .bind(2, selector_hash)
                    .bind(3, to_string(kind))
                    .bind(4, to_millis(now))
                    .run();
    if (!done) return done.err();
    return db_->changes() == 1;
  }

  result<void> delete_token(const std::string& selector_hash, token_kind kind) override {
    std::lock_guard lock(mutex_);
    auto del = db_->prepare("DELETE FROM web_tokens WHERE selector_hash = ? AND kind = ?");
    if (!del) return del.err();
    return (*del)->bind(1, selector_hash).bind(2, to_string(kind)).run();
  }

  result<std::int64_t> count_usable_tokens(token_kind kind, time_point now) override {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare(
        "SELECT COUNT(*) FROM web_tokens WHERE kind = ? AND used_at IS NULL AND expires_at > ?");
    if (!select) return select.err();
    (*select)->bind(1, to_string(kind)).bind(2, to_millis(now));
    auto row = (*select)->step();
    if (!row) return row.err();
    return (*select)->integer(0);
  }

  std::mutex mutex_;
  std::unique_ptr<database> db_;
};

}  // namespace

result<std::unique_ptr<approval::token_store>> open_token_store(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return make_error(error_code::internal, "cannot open the token store in " + path + ": " + why);
  };
  auto db = open_migrated(path, {});
  if (!db) return fail(db.message());
  return std::unique_ptr<approval::token_store>(new sqlite_token_store(std::move(*db)));
}

}  // namespace gatehouse::storage::sqlite
