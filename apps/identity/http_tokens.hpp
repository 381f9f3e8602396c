#pragma once
// Personal HTTP tokens (SPEC "HTTP"): what a non-browser client of a gated web app (curl, CI)
// sends as `Authorization: Bearer ghh_…`. A token names a person and one app and ends at its
// expiry (or when revoked); it is used many times, never consumed.
//
// The secret is a token_store token of kind `http` (approval/token_store.hpp: 43 base64url
// characters, stored only as SHA-256 hashes, compared with CRYPTO_memcmp) behind the prefix
// `ghh_`, so that secret scanners can recognise a leaked one. The prefix is stripped before the
// lookup.
//
// Whether the person may reach the app *now* (a live grant, a rule that still lets them) is the
// gate's decision, as for a browser; a valid token only says who is asking and for which app.
//
// Free functions over the caller's token store; thread-safety is the store's.
#include <optional>
#include <string>
#include <string_view>

#include "approval/token_store.hpp"
#include "core/time.hpp"

namespace gatehouse::apps {

inline constexpr std::string_view http_token_prefix = "ghh_";

// Validity bounds for a token a person asks for (the operations API enforces them).
inline constexpr std::chrono::seconds shortest_http_token{5 * 60};
inline constexpr std::chrono::seconds longest_http_token{30 * 24 * 3600};
inline constexpr std::chrono::seconds default_http_token{8 * 3600};

struct http_token {
  std::string person;
  std::string app;  // the server's name
  time_point expires;
};

// A new token for `person` and `app`, ending at `expires`: "ghh_" + 43 characters.
approval::result<std::string> issue_http_token(approval::token_store& tokens,
                                               const std::string& person, const std::string& app,
                                               time_point expires, time_point now);

// Who and which app a presented token stands for; nullopt when it is malformed, unknown, revoked
// or expired (or the store cannot answer, which is logged and, with `store_failed`, told: the
// app front end then answers 503 rather than "unknown token").
std::optional<http_token> verify_http_token(approval::token_store& tokens, std::string_view bearer,
                                            time_point now,
                                            bool* store_failed = nullptr);

// Deletes the token; unknown or malformed tokens are no error.
approval::result<void> revoke_http_token(approval::token_store& tokens, std::string_view bearer);

// The token in an Authorization header value ("Bearer ghh_…", the scheme case-insensitive);
// nullopt for any other header.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace gatehouse::apps
