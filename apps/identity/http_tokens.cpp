// Personal HTTP tokens (http_tokens.hpp) over approval::token_store, kind `http`.
#include "apps/identity/http_tokens.hpp"

#include <spdlog/spdlog.h>

#include <cctype>

namespace gatehouse::apps {

namespace {
// The store's token behind a presented one; nullopt without our prefix.
std::optional<std::string> stored_token(std::string_view bearer) {
  if (!bearer.starts_with(http_token_prefix)) return std::nullopt;
  return std::string(bearer.substr(http_token_prefix.size()));
}
}  // namespace

approval::result<std::string> issue_http_token(approval::token_store& tokens,
                                               const std::string& person, const std::string& app,
                                               time_point expires, time_point now) {
  approval::token_record r;
  r.kind = approval::token_kind::http;
  r.person = person;
  r.next = app;
  r.expires = expires;
  auto issued = tokens.issue(r, now);
  if (!issued) return issued.err();
  return std::string(http_token_prefix) + *issued;
}

std::optional<http_token> verify_http_token(approval::token_store& tokens, std::string_view bearer,
                                            time_point now, bool* store_failed) {
  auto token = stored_token(bearer);
  if (!token) return std::nullopt;
  auto found = tokens.find(approval::token_kind::http, *token);
  if (!found) {
    spdlog::warn("an HTTP token could not be checked: {}", found.message());
    if (store_failed) *store_failed = true;
    return std::nullopt;
  }
  if (!*found || !(*found)->usable(now)) return std::nullopt;
  return http_token{(*found)->person, (*found)->next, (*found)->expires};
}

approval::result<void> revoke_http_token(approval::token_store& tokens, std::string_view bearer) {
  auto token = stored_token(bearer);
  if (!token) return {};
  return tokens.revoke(approval::token_kind::http, *token);
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return std::nullopt;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace gatehouse::apps
