#pragma once
// The web's secrets in the store: approval links, sign-in links and browser sessions.
//
// A token is 32 random bytes (base64url, 43 characters): a 12-byte selector that finds the row
// and a 20-byte verifier. The database keeps only SHA-256 hashes (of the selector, to look the
// row up, and of the whole token, compared with CRYPTO_memcmp), so a copy of the store lets
// nobody use a link. Approval and sign-in tokens are single-use: use_*() consumes them with a
// conditional UPDATE, so two concurrent uses cannot both succeed.
//
// Ownership: its own SQLite connection to the store's file (WAL lets it share the file with
// sqlite_store). Thread-safety: every member may be called from any thread (one mutex).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "policy/result.hpp"

namespace gatehouse::policy::sqlite {
class database;
}

namespace gatehouse::approval {

template <typename T>
using result = policy::result<T>;

enum class token_kind { approval, sign_in, session };

// What a token stands for, as stored.
struct token_record {
  token_kind kind = token_kind::approval;
  std::string person;           // the approver, the person signing in, the session's owner
  std::int64_t request_id = 0;  // approval links only
  std::string next;             // sign-in links: the local path to go to afterwards
  time_point created;
  time_point expires;
  std::optional<time_point> used_at;

  bool usable(time_point now) const { return !used_at && now < expires; }
};

class token_store {
 public:
  // Opens `path` (":memory:" for tests) and brings its schema up to date.
  static result<std::unique_ptr<token_store>> open(const std::string& path);
  ~token_store();

  // A fresh token for `r` (kind, person, request_id, next, expires; the rest is ignored).
  result<std::string> issue(const token_record& r, time_point now);
  // The record behind `token` if it exists with this kind (used or expired ones too); nullopt
  // for unknown or malformed tokens.
  result<std::optional<token_record>> find(token_kind kind, const std::string& token);
  // Consumes a usable token: true when this call used it, false when it is unknown, used,
  // expired or of another kind.
  result<bool> use(token_kind kind, const std::string& token, time_point now);
  // Deletes a token (signing out).
  result<void> revoke(token_kind kind, const std::string& token);
  // How many tokens of `kind` are usable now (sessions, for /metrics).
  result<std::int64_t> count_usable(token_kind kind, time_point now);

 private:
  explicit token_store(std::unique_ptr<policy::sqlite::database> db);
  std::mutex mutex_;
  std::unique_ptr<policy::sqlite::database> db_;
};

// The token's selector (the row's key) if `token` has the shape of one of ours.
std::optional<std::string> token_selector(const std::string& token);

}  // namespace gatehouse::approval
