#include "approval/token_store.hpp"

#include <algorithm>

#include "approval/secrets.hpp"

namespace gatehouse::approval {

namespace {
constexpr std::size_t selector_bytes = 12;  // 16 characters
constexpr std::size_t verifier_bytes = 20;  // 27 characters: 160 bits nobody can guess
constexpr std::size_t selector_chars = 16;
constexpr std::size_t token_chars = 43;
// Used and expired rows stay a while so that an old link still says what happened to it.
constexpr auto keep_after_expiry = std::chrono::days(30);

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
}  // namespace

std::string_view to_string(token_kind k) {
  switch (k) {
    case token_kind::approval: return "approval";
    case token_kind::sign_in: return "sign_in";
    case token_kind::session: return "session";
    case token_kind::http: return "http";
  }
  return "approval";
}

std::optional<std::string> token_selector(const std::string& token) {
  if (token.size() != token_chars || !std::all_of(token.begin(), token.end(), is_base64url))
    return std::nullopt;
  return token.substr(0, selector_chars);
}

result<std::string> token_store::issue(const token_record& r, time_point now) {
  std::string token = random_base64url(selector_bytes) + random_base64url(verifier_bytes);
  if (auto done = insert_token(sha256_hex(token.substr(0, selector_chars)), sha256_hex(token), r,
                               now, now - keep_after_expiry);
      !done)
    return done.err();
  return token;
}

result<std::optional<token_record>> token_store::find(token_kind kind, const std::string& token) {
  auto selector = token_selector(token);
  if (!selector) return std::optional<token_record>{};
  auto row = find_token(sha256_hex(*selector), kind);
  if (!row) return row.err();
  if (!*row || !equal_secrets((*row)->token_hash, sha256_hex(token)))
    return std::optional<token_record>{};
  token_record r = std::move((*row)->record);
  r.kind = kind;
  return std::optional<token_record>(std::move(r));
}

result<bool> token_store::use(token_kind kind, const std::string& token, time_point now) {
  auto found = find(kind, token);
  if (!found) return found.err();
  if (!*found || !(*found)->usable(now)) return false;
  return consume_token(sha256_hex(*token_selector(token)), kind, now);
}

result<void> token_store::revoke(token_kind kind, const std::string& token) {
  auto found = find(kind, token);
  if (!found) return found.err();
  if (!*found) return {};
  return delete_token(sha256_hex(*token_selector(token)), kind);
}

result<std::int64_t> token_store::count_usable(token_kind kind, time_point now) {
  return count_usable_tokens(kind, now);
}

}  // namespace gatehouse::approval
