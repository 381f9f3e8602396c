// The rules: whom and what each applies to, its mode, and who approves (one level from the
// top-level approvers/condition, or the `levels` list). Checks that need the whole directory
// (references, reachability, possible approvers) are in cross_check.cpp.
#include <string_view>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/value_checks.hpp"
#include "core/duration.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view rule_keys[] = {"name",
                                          "users",
                                          "servers",
                                          "accounts",
                                          "mode",
                                          "approvers",
                                          "condition",
                                          "levels",
                                          "requester_chooses_approvers",
                                          "auto_approve_if_requester_is_approver",
                                          "default_duration",
                                          "max_duration",
                                          "pending_timeout",
                                          "emergency",
                                          "hold_timeout",
                                          "allow_port_forwarding",
                                          "require_justification",
                                          "reply_decisions",
                                          "fulfillers"};
constexpr std::string_view level_keys[] = {"approvers", "condition"};
constexpr std::string_view group_prefix = "group:";

// One entry of users, servers or approvers; `manager` is a keyword only among approvers.
std::string parse_principal(std::string_view text, bool approver, principal& out) {
  if (text.empty()) return "an entry must not be empty";
  if (text == "*") {
    if (approver) return "'*' cannot approve; list users, group:NAME or manager";
    out = {principal::kind::everyone, ""};
  } else if (text.starts_with(group_prefix)) {
    if (text.size() == group_prefix.size()) return "'group:' needs a group name";
    out = {principal::kind::group, std::string(text.substr(group_prefix.size()))};
  } else if (approver && text == "manager") {
    out = {principal::kind::manager, ""};
  } else {
    out = {principal::kind::name, std::string(text)};
  }
  return "";
}

void read_principals(const map_reader& m, std::string_view key, bool approver,
                     std::vector<principal>& out, std::vector<position>& at, need n) {
  std::vector<std::string> texts;
  std::vector<position> text_at;
  if (!m.read_strings(key, texts, &text_at, n)) return;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    principal p;
    if (auto problem = parse_principal(texts[i], approver, p); !problem.empty()) {
      m.report().error(text_at[i], std::move(problem));
      continue;
    }
    out.push_back(std::move(p));
    at.push_back(text_at[i]);
  }
}

void read_level(const map_reader& m, rule& r, rule_source& at) {
  approval_level level;
  level_source level_at;
  read_principals(m, "approvers", true, level.approvers, level_at.each, need::required);
  level_at.approvers = m.value_at("approvers");
  m.read_enum("condition", level.condition, {{"any", condition::any}, {"all", condition::all}});
  r.levels.push_back(std::move(level));
  at.levels.push_back(std::move(level_at));
}

void read_approval(const map_reader& m, rule& r, rule_source& at) {
  const bool top_level = m.has("approvers") || m.has("condition");
  auto levels = m.read_list("levels");
  if (r.mode != rule_mode::approve) {
    for (std::string_view key : {"approvers", "condition", "levels"}) {
      if (m.has(key) && (key != "levels" || !levels.empty()))
        m.report().error(m.key_at(key), quote(key) + " is only used with mode approve");
    }
    return;
  }
  if (top_level && !levels.empty()) {
    m.report().error(m.key_at("levels"),
                     "use either 'approvers' and 'condition' or 'levels', not both");
  }
  if (top_level) {
    if (m.has("approvers")) {
      read_level(m, r, at);
    } else {
      m.report().error(m.key_at("condition"), "'condition' needs 'approvers'");
    }
    return;
  }
  for (const auto& node : levels) {
    map_reader level(m.context(), node, m.value_at("levels"), "entries of 'levels' must be maps",
                     level_keys);
    if (level.valid()) read_level(level, r, at);
  }
  if (levels.empty()) {
    m.report().error(at.mode, rule_label(r.name) + " has mode approve but no approvers");
  }
}

// Whether the list under `key` was read without problems (none since `problems_before`);
// an empty list is reported, since the rule could never match.
bool matcher_ok(const map_reader& m, std::string_view key, const rule& r,
                std::size_t problems_before) {
  const YAML::Node* list = m.value(key);
  if (!list || !list->IsSequence()) return false;
  if (list->size() == 0) {
    m.report().error(m.value_at(key),
                     rule_label(r.name) + " can never match: " + quote(key) + " is empty");
    return false;
  }
  return m.report().count() == problems_before;
}

void read_durations(const map_reader& m, rule& r) {
  auto read = [&](std::string_view key, seconds& out) {
    return !m.has(key) || m.read_duration(key, out);
  };
  bool default_ok = read("default_duration", r.default_duration);
  bool max_ok = read("max_duration", r.max_duration);
  read("pending_timeout", r.pending_timeout);
  read("hold_timeout", r.hold_timeout);
  if (default_ok && max_ok && r.max_duration < r.default_duration) {
    auto key = m.has("max_duration") ? "max_duration" : "default_duration";
    m.report().error(m.value_at(key), "max_duration (" + format_duration(r.max_duration) +
                                          ") is shorter than default_duration (" +
                                          format_duration(r.default_duration) + ")");
  }
}

void read_rule(const map_reader& m, config& out, source_map& where) {
  rule r;
  rule_source at;
  at.name = m.where();
  if (read_checked(m, "name", r.name, need::required,
                   [](std::string_view text) { return check_label("name", text); }))
    at.name = m.value_at("name");

  auto problems = m.report().count();
  read_principals(m, "users", false, r.users, at.users, need::required);
  read_principals(m, "servers", false, r.servers, at.servers, need::required);
  bool complete = matcher_ok(m, "users", r, problems);
  complete = matcher_ok(m, "servers", r, problems) && complete;
  if (m.has("accounts")) {
    m.read_strings("accounts", r.accounts, &at.accounts);
    complete = matcher_ok(m, "accounts", r, problems) && complete;
  } else {
    r.accounts = {"*"};
    at.accounts = {m.where()};
  }
  at.matchers_complete = complete;

  at.mode = m.has("mode") ? m.value_at("mode") : m.where();
  bool mode_ok = !m.has("mode") || m.read_enum("mode", r.mode,
                                               {{"allow", rule_mode::allow},
                                                {"justify", rule_mode::justify},
                                                {"approve", rule_mode::approve},
                                                {"deny", rule_mode::deny}});
  if (mode_ok) read_approval(m, r, at);
  m.read_bool("requester_chooses_approvers", r.requester_chooses_approvers);
  m.read_bool("auto_approve_if_requester_is_approver", r.auto_approve_if_requester_is_approver);
  m.read_bool("emergency", r.emergency);
  m.read_bool("allow_port_forwarding", r.allow_port_forwarding);
  m.read_bool("require_justification", r.require_justification);
  // Meaningful only where a reason is filed: allow never asks, deny never files.
  if (mode_ok && r.require_justification && r.mode != rule_mode::approve &&
      r.mode != rule_mode::justify)
    m.report().error(m.key_at("require_justification"),
                     "'require_justification' is only used with mode justify or approve");
  m.read_enum("reply_decisions", r.reply_decisions,
              {{"off", reply_decisions::off},
               {"low-risk", reply_decisions::low_risk},
               {"all", reply_decisions::all}});
  // Who fulfils an approved request for a manual server: named people and groups only.
  read_principals(m, "fulfillers", false, r.fulfillers, at.fulfillers, need::optional);
  for (std::size_t i = 0; i < r.fulfillers.size(); ++i)
    if (r.fulfillers[i].what == principal::kind::everyone)
      m.report().error(at.fulfillers[i], "'*' cannot fulfil; list users or group:NAME");
  read_durations(m, r);
  out.rules.push_back(std::move(r));
  where.rules.push_back(std::move(at));
}
}  // namespace

void read_rules(const map_reader& top, config& out, source_map& where) {
  for (const auto& node : top.read_list("rules")) {
    map_reader m(top.context(), node, top.value_at("rules"), "entries of 'rules' must be maps",
                 rule_keys);
    if (m.valid()) read_rule(m, out, where);
  }
}

}  // namespace gatehouse::config
