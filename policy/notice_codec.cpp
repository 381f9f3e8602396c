#include "policy/notice_codec.hpp"

#include <boost/json.hpp>

#include <array>

#include "core/json_text.hpp"

namespace gatehouse::policy {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<notification::kind, std::string_view>, 4> kind_names{{
    {notification::kind::ask_approvers, "ask_approvers"},
    {notification::kind::tell_requester, "tell_requester"},
    {notification::kind::tell_emergency, "tell_emergency"},
    {notification::kind::ask_fulfillers, "ask_fulfillers"},
}};

constexpr std::array all_happenings{
    happening_kind::request_created,
    happening_kind::request_reviewed,
    happening_kind::request_approved,
    happening_kind::request_denied,
    happening_kind::request_expired,
    happening_kind::request_cancelled,
    happening_kind::request_comment,
    happening_kind::request_reassigned,
    happening_kind::access_emergency,
    happening_kind::grant_ended,
    happening_kind::grant_revoked,
    happening_kind::request_fulfilled,
    happening_kind::request_fulfilment_failed,
};

const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

}  // namespace

std::string encode_notice(const notification& n) {
  std::string_view what;
  for (const auto& [kind, name] : kind_names)
    if (kind == n.what) what = name;
  json::array people;
  for (const auto& p : n.people) people.emplace_back(p);
  return json_serialize(json::object{{"what", what},
                                     {"level", std::int64_t(n.level)},
                                     {"people", std::move(people)},
                                     {"about", audit_name(n.about)},
                                     {"by", n.by},
                                     {"comment", n.comment}});
}

std::optional<notification> decode_notice(std::string_view text) {
  std::error_code ec;
  json::value root = json_parse_text(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const json::object& o = root.get_object();
  const json::string* what = string_at(o, "what");
  const json::string* about = string_at(o, "about");
  const json::string* by = string_at(o, "by");
  const json::string* comment = string_at(o, "comment");
  const json::value* level = o.if_contains("level");
  const json::value* people = o.if_contains("people");
  if (!what || !about || !by || !comment || !level || !level->is_int64() ||
      level->get_int64() < 0 || !people || !people->is_array())
    return std::nullopt;
  notification n;
  bool known_kind = false, known_about = false;
  for (const auto& [kind, name] : kind_names)
    if (name == std::string_view(*what)) n.what = kind, known_kind = true;
  for (happening_kind k : all_happenings)
    if (audit_name(k) == std::string_view(*about)) n.about = k, known_about = true;
  if (!known_kind || !known_about) return std::nullopt;
  n.level = std::size_t(level->get_int64());
  for (const json::value& p : people->get_array()) {
    if (!p.is_string()) return std::nullopt;
    n.people.emplace_back(p.get_string());
  }
  n.by = std::string(*by);
  n.comment = std::string(*comment);
  return n;
}

std::string notice_once_prefix(std::int64_t notice_id) {
  return "notice-" + std::to_string(notice_id) + "/";
}

}  // namespace gatehouse::policy
