#include "apps/app_passes.hpp"

#include <utility>

#include "approval/secrets.hpp"

namespace gatehouse::apps {

namespace {
// "SELECTOR.SECRET" -> its two parts; empty parts when it is not of that form.
std::pair<std::string_view, std::string_view> split_pass(std::string_view value) {
  auto dot = value.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == value.size()) return {};
  return {value.substr(0, dot), value.substr(dot + 1)};
}
}  // namespace

std::string app_passes::next_selector() {
  // A counter keeps selectors unique; a random part keeps them from being guessed in order.
  return std::to_string(++counter_) + approval::random_base64url(6);
}

std::string app_passes::issue_launch(launch l, steady::time_point now) {
  // Expired, unredeemed launches are dropped on the way: the map never grows past what 60 s
  // of portal visits can fill.
  std::erase_if(launches_, [now](const auto& kv) { return kv.second.expires <= now; });
  auto selector = next_selector();
  auto secret = approval::random_base64url(32);
  launches_.emplace(selector, pending_launch{secret, now + launch_lifetime, std::move(l)});
  return selector + "." + secret;
}

std::optional<launch> app_passes::redeem_launch(std::string_view app, std::string_view token,
                                                steady::time_point now) {
  auto [selector, secret] = split_pass(token);
  auto it = launches_.find(selector);
  if (it == launches_.end()) return std::nullopt;
  auto entry = std::move(it->second);
  launches_.erase(it);  // single use, whether it matched or not
  if (!approval::equal_secrets(entry.secret, secret) || entry.expires <= now ||
      entry.what.app != app)
    return std::nullopt;
  return std::move(entry.what);
}

std::string app_passes::issue_cookie(const std::string& app, const std::string& session_id) {
  auto selector = next_selector();
  auto secret = approval::random_base64url(32);
  cookies_.emplace(selector, cookie{secret, app, session_id});
  return selector + "." + secret;
}

std::optional<std::string> app_passes::session_of_cookie(std::string_view app,
                                                         std::string_view value) const {
  auto [selector, secret] = split_pass(value);
  auto it = cookies_.find(selector);
  if (it == cookies_.end() || it->second.app != app ||
      !approval::equal_secrets(it->second.secret, secret))
    return std::nullopt;
  return it->second.session_id;
}

void app_passes::forget_session(const std::string& session_id) {
  std::erase_if(cookies_, [&](const auto& kv) { return kv.second.session_id == session_id; });
}

}  // namespace gatehouse::apps
