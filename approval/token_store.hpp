#pragma once
// The web's secrets in the store: approval links, sign-in links, browser sessions and personal
// HTTP tokens (for non-browser clients of gated web apps: apps/identity/http_tokens).
//
// A token is 32 random bytes (base64url, 43 characters): a 12-byte selector that finds the row
// and a 20-byte verifier. The store keeps only SHA-256 hashes (of the selector, to look the
// row up, and of the whole token, compared with CRYPTO_memcmp), so a copy of the store lets
// nobody use a link. Approval and sign-in tokens are single-use: use() consumes them with a
// conditional update, so two concurrent uses cannot both succeed. Sessions and HTTP tokens are
// used many times: find() + usable() until they expire or are revoked.
//
// One interface, several backends (storage/: SQLite today, PostgreSQL later). The public
// members hold the secret handling above, once for every backend; a backend implements the
// protected row operations, which only ever see hashes. Everything a backend must honour is
// checked by the conformance suite in tests/approval/token_store_test.cpp.
//
// Ownership: a backend owns its connection. Thread-safety: every member may be called from any
// thread (backends serialise or use their database's concurrency).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "policy/result.hpp"

namespace gatehouse::approval {

template <typename T>
using result = policy::result<T>;

enum class token_kind { approval, sign_in, session, http };
// "approval", "sign_in", "session", "http": how backends store the kind.
std::string_view to_string(token_kind k);

// What a token stands for, as stored.
struct token_record {
  token_kind kind = token_kind::approval;
  std::string person;           // the approver, the person signing in, the session's owner
  std::int64_t request_id = 0;  // approval links only
  std::string next;             // sign-in links: the local path to go to afterwards; http: the app
  time_point created;
  time_point expires;
  std::optional<time_point> used_at;

  bool usable(time_point now) const { return !used_at && now < expires; }
};

class token_store {
 public:
  virtual ~token_store() = default;

  // A fresh token for `r` (kind, person, request_id, next, expires; the rest is ignored).
  // Rows that expired long ago (30 days) are deleted on the way.
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

 protected:
  // A row as a backend keeps it: the hash of the whole token and what it stands for.
  struct stored_token {
    std::string token_hash;
    token_record record;
  };

  // Deletes the rows that expired before `expired_before`, then inserts `r` (created `now`,
  // unused) under `selector_hash`.
  virtual result<void> insert_token(const std::string& selector_hash, const std::string& token_hash,
                                    const token_record& r, time_point now,
                                    time_point expired_before) = 0;
  // The row of this selector hash and kind, if any.
  virtual result<std::optional<stored_token>> find_token(const std::string& selector_hash,
                                                         token_kind kind) = 0;
  // Sets used_at = now on the row if it is unused and unexpired at `now`, atomically; true when
  // this call changed it.
  virtual result<bool> consume_token(const std::string& selector_hash, token_kind kind,
                                     time_point now) = 0;
  virtual result<void> delete_token(const std::string& selector_hash, token_kind kind) = 0;
  // Rows of `kind` unused and unexpired at `now`.
  virtual result<std::int64_t> count_usable_tokens(token_kind kind, time_point now) = 0;
};

// The token's selector (the row's key) if `token` has the shape of one of ours.
std::optional<std::string> token_selector(const std::string& token);

}  // namespace gatehouse::approval
