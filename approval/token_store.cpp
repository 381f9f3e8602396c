#include "approval/token_store.hpp"

#include <algorithm>

#include "approval/secrets.hpp"
#include "policy/sqlite_db.hpp"
#include "policy/sqlite_schema.hpp"

namespace gatehouse::approval {

namespace sqlite = policy::sqlite;
using policy::error_code;
using policy::make_error;

namespace {
constexpr std::size_t selector_bytes = 12;  // 16 characters
constexpr std::size_t verifier_bytes = 20;  // 27 characters: 160 bits nobody can guess
constexpr std::size_t selector_chars = 16;
constexpr std::size_t token_chars = 43;
// Used and expired rows stay a while so that an old link still says what happened to it.
constexpr auto keep_after_expiry = std::chrono::days(30);

const char* kind_text(token_kind k) {
  switch (k) {
    case token_kind::approval: return "approval";
    case token_kind::sign_in: return "sign_in";
    case token_kind::session: return "session";
  }
  return "approval";
}

std::int64_t millis(time_point t) { return t.time_since_epoch().count(); }
time_point from_millis(std::int64_t v) { return time_point(std::chrono::milliseconds(v)); }

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
}  // namespace

std::optional<std::string> token_selector(const std::string& token) {
  if (token.size() != token_chars || !std::all_of(token.begin(), token.end(), is_base64url))
    return std::nullopt;
  return token.substr(0, selector_chars);
}

result<std::unique_ptr<token_store>> token_store::open(const std::string& path) {
  auto db = sqlite::database::open(path);
  if (!db) return db.err();
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 5000"})
    if (auto r = (*db)->exec(pragma); !r) return r.err();
  if (auto v = sqlite::migrate(**db); !v) return v.err();
  return std::unique_ptr<token_store>(new token_store(std::move(*db)));
}

token_store::token_store(std::unique_ptr<sqlite::database> db) : db_(std::move(db)) {}
token_store::~token_store() = default;

result<std::string> token_store::issue(const token_record& r, time_point now) {
  std::string token = random_base64url(selector_bytes) + random_base64url(verifier_bytes);
  std::lock_guard lock(mutex_);
  if (auto purge = db_->prepare("DELETE FROM web_tokens WHERE expires_at < ?"); !purge) {
    return purge.err();
  } else if (auto done = (*purge)->bind(1, millis(now - keep_after_expiry)).run(); !done) {
    return done.err();
  }
  auto insert = db_->prepare(
      "INSERT INTO web_tokens (selector_hash, token_hash, kind, person, request_id, next,"
      " created, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)");
  if (!insert) return insert.err();
  auto done = (*insert)
                  ->bind(1, sha256_hex(token.substr(0, selector_chars)))
                  .bind(2, sha256_hex(token))
                  .bind(3, kind_text(r.kind))
                  .bind(4, r.person)
                  .bind(5, r.request_id)
                  .bind(6, r.next)
                  .bind(7, millis(now))
                  .bind(8, millis(r.expires))
                  .run();
  if (!done) return done.err();
  return token;
}

result<std::optional<token_record>> token_store::find(token_kind kind, const std::string& token) {
  auto selector = token_selector(token);
  if (!selector) return std::optional<token_record>{};
  std::string hash = sha256_hex(token);
  std::lock_guard lock(mutex_);
  auto select = db_->prepare(
      "SELECT token_hash, person, request_id, next, created, expires_at, used_at"
      " FROM web_tokens WHERE selector_hash = ? AND kind = ?");
  if (!select) return select.err();
  (*select)->bind(1, sha256_hex(*selector)).bind(2, kind_text(kind));
  auto row = (*select)->step();
  if (!row) return row.err();
  if (!*row || !equal_secrets((*select)->text(0), hash)) return std::optional<token_record>{};
  token_record r;
  r.kind = kind;
  r.person = (*select)->text(1);
  r.request_id = (*select)->integer(2);
  r.next = (*select)->text(3);
  r.created = from_millis((*select)->integer(4));
  r.expires = from_millis((*select)->integer(5));
  if (auto used = (*select)->optional_integer(6)) r.used_at = from_millis(*used);
  return std::optional<token_record>(std::move(r));
}

result<bool> token_store::use(token_kind kind, const std::string& token, time_point now) {
  auto found = find(kind, token);
  if (!found) return found.err();
  if (!*found || !(*found)->usable(now)) return false;
  std::lock_guard lock(mutex_);
  auto update = db_->prepare(
      "UPDATE web_tokens SET used_at = ? WHERE selector_hash = ? AND kind = ?"
      " AND used_at IS NULL AND expires_at > ?");
  if (!update) return update.err();
  auto done = (*update)
                  ->bind(1, millis(now))
                  .bind(2, sha256_hex(*token_selector(token)))
                  .bind(3, kind_text(kind))
                  .bind(4, millis(now))
                  .run();
  if (!done) return done.err();
  return db_->changes() == 1;
}

result<void> token_store::revoke(token_kind kind, const std::string& token) {
  auto found = find(kind, token);
  if (!found) return found.err();
  if (!*found) return {};
  std::lock_guard lock(mutex_);
  auto del = db_->prepare("DELETE FROM web_tokens WHERE selector_hash = ? AND kind = ?");
  if (!del) return del.err();
  return (*del)->bind(1, sha256_hex(*token_selector(token))).bind(2, kind_text(kind)).run();
}

result<std::int64_t> token_store::count_usable(token_kind kind, time_point now) {
  std::lock_guard lock(mutex_);
  auto select = db_->prepare(
      "SELECT COUNT(*) FROM web_tokens WHERE kind = ? AND used_at IS NULL AND expires_at > ?");
  if (!select) return select.err();
  (*select)->bind(1, kind_text(kind)).bind(2, millis(now));
  auto row = (*select)->step();
  if (!row) return row.err();
  return (*select)->integer(0);
}

}  // namespace gatehouse::approval
