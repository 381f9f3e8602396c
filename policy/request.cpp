#include "policy/request.hpp"

#include <algorithm>

namespace gatehouse::policy {

namespace {
template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view text, const E (&values)[N]) {
  for (E v : values)
    if (to_string(v) == text) return v;
  return std::nullopt;
}
}  // namespace

std::string_view to_string(request_state s) {
  switch (s) {
    case request_state::pending: return "pending";
    case request_state::approved: return "approved";
    case request_state::denied: return "denied";
    case request_state::expired: return "expired";
    case request_state::cancelled: return "cancelled";
  }
  return "pending";
}

std::string_view to_string(post_approval p) {
  switch (p) {
    case post_approval::none: return "none";
    case post_approval::pending: return "pending";
    case post_approval::approved: return "approved";
    case post_approval::denied: return "denied";
  }
  return "none";
}

std::string_view to_string(verdict v) { return v == verdict::approve ? "approve" : "deny"; }

std::string_view to_string(record_kind k) {
  switch (k) {
    case record_kind::comment: return "comment";
    case record_kind::reassigned: return "reassigned";
    case record_kind::revoked: return "revoked";
    case record_kind::grant_ended: return "grant_ended";
    case record_kind::fulfilled: return "fulfilled";
    case record_kind::fulfilment_failed: return "fulfilment_failed";
  }
  return "comment";
}

std::optional<record_kind> parse_record_kind(std::string_view text) {
  constexpr record_kind all[] = {record_kind::comment,   record_kind::reassigned,
                                 record_kind::revoked,   record_kind::grant_ended,
                                 record_kind::fulfilled, record_kind::fulfilment_failed};
  return parse_enum(text, all);
}

std::string_view to_string(config::protocol p) {
  switch (p) {
    case config::protocol::ssh: return "ssh";
    case config::protocol::rdp: return "rdp";
    case config::protocol::http: return "http";
    case config::protocol::manual: return "manual";
  }
  return "ssh";
}

std::string_view to_string(config::condition c) {
  return c == config::condition::all ? "all" : "any";
}

std::optional<request_state> parse_request_state(std::string_view text) {
  constexpr request_state all[] = {request_state::pending, request_state::approved,
                                   request_state::denied, request_state::expired,
                                   request_state::cancelled};
  return parse_enum(text, all);
}

std::optional<post_approval> parse_post_approval(std::string_view text) {
  constexpr post_approval all[] = {post_approval::none, post_approval::pending,
                                   post_approval::approved, post_approval::denied};
  return parse_enum(text, all);
}

std::optional<verdict> parse_verdict(std::string_view text) {
  constexpr verdict all[] = {verdict::approve, verdict::deny};
  return parse_enum(text, all);
}

std::optional<config::protocol> parse_protocol(std::string_view text) {
  constexpr config::protocol all[] = {config::protocol::ssh, config::protocol::rdp,
                                      config::protocol::http, config::protocol::manual};
  return parse_enum(text, all);
}

std::optional<config::condition> parse_condition(std::string_view text) {
  constexpr config::condition all[] = {config::condition::any, config::condition::all};
  return parse_enum(text, all);
}

bool level_satisfied(const request& r, std::size_t k) {
  const approver_level& level = r.levels.at(k);
  auto approved_by = [&](const std::string& person) {
    return std::any_of(r.decisions.begin(), r.decisions.end(), [&](const decision_record& d) {
      return d.level == int(k) && d.approver == person && d.verdict == verdict::approve;
    });
  };
  if (level.condition == config::condition::all)
    return std::all_of(level.approvers.begin(), level.approvers.end(), approved_by);
  return std::any_of(level.approvers.begin(), level.approvers.end(), approved_by);
}

std::size_t current_level(const request& r) {
  std::size_t k = 0;
  while (k < r.levels.size() && level_satisfied(r, k)) ++k;
  return k;
}

bool awaiting_decisions(const request& r) {
  return r.state == request_state::pending ||
         (r.state == request_state::approved && r.post_approval == post_approval::pending);
}

bool has_decided(const request& r, std::string_view person, std::size_t k) {
  return std::any_of(r.decisions.begin(), r.decisions.end(), [&](const decision_record& d) {
    return d.approver == person && d.level == int(k);
  });
}

bool is_approver(const request& r, std::string_view person) {
  return std::any_of(r.levels.begin(), r.levels.end(), [&](const approver_level& l) {
    return std::find(l.approvers.begin(), l.approvers.end(), person) != l.approvers.end();
  });
}

bool is_approver_at(const request& r, std::string_view person, std::size_t k) {
  if (k >= r.levels.size()) return false;
  const auto& people = r.levels[k].approvers;
  return std::find(people.begin(), people.end(), person) != people.end();
}

std::vector<std::string> undecided_approvers(const request& r, std::size_t k) {
  std::vector<std::string> out;
  if (k >= r.levels.size()) return out;
  for (const auto& person : r.levels[k].approvers)
    if (!has_decided(r, person, k)) out.push_back(person);
  return out;
}

const decision_record* last_denial(const request& r) {
  for (auto it = r.decisions.rbegin(); it != r.decisions.rend(); ++it)
    if (it->verdict == verdict::deny) return &*it;
  return nullptr;
}

std::vector<request_target> targets_of(const request& r) {
  std::vector<request_target> all{{r.server, r.account, r.grant}};
  all.insert(all.end(), r.more_targets.begin(), r.more_targets.end());
  return all;
}

bool covers(const request& r, std::string_view server, std::string_view account) {
  if (r.server == server && r.account == account) return true;
  return std::any_of(r.more_targets.begin(), r.more_targets.end(), [&](const request_target& t) {
    return t.server == server && t.account == account;
  });
}

bool owns_grant(const request& r, grant_id g) {
  if (r.grant == g) return true;
  return std::any_of(r.more_targets.begin(), r.more_targets.end(),
                     [&](const request_target& t) { return t.grant == g; });
}

std::string targets_text(const request& r) {
  std::string out;
  for (const auto& t : targets_of(r))
    out += (out.empty() ? "" : ", ") + (t.account.empty() ? t.server : t.account + "@" + t.server);
  return out;
}

}  // namespace gatehouse::policy
