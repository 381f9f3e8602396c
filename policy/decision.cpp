#include "policy/decision.hpp"

namespace gatehouse::policy {

namespace detail {
struct authorization_factory {
  static authorization make(const target& t, const std::string& rule,
                            const std::optional<grant>& g) {
    authorization a;
    a.person_ = t.person;
    a.server_ = t.server;
    a.account_ = t.account;
    a.rule_ = rule;
    if (g) {
      a.grant_ = g->id;
      a.until_ = g->end;
    }
    return a;
  }
};
}  // namespace detail

namespace {

using index_t = policy_index::index_t;

decisions::deny denied(deny_reason reason, std::string text) {
  return decisions::deny{reason, std::move(text)};
}

// RDP and HTTP targets have no account.
std::string where(const target& t) {
  return t.account.empty() ? t.server : t.account + "@" + t.server;
}

// The default terms used when a manager flag applies and no rule matched.
const rule_terms& flag_only_terms() {
  static const rule_terms terms = [] {
    rule_terms t = terms_of(config::rule{});
    t.name = "require_manager_approval";
    return t;
  }();
  return terms;
}

// justify/approve: a live grant lets the person in; otherwise say what is needed.
decision need(const target& t, const grant_source& grants, time_point now, const rule_terms& terms,
              std::vector<approver_level> levels, bool approval, std::string manager_flag) {
  if (auto g = grants.live_grant(t, now)) {
    auto until = g->end;
    auto id = g->id;
    return decisions::allowed_by_grant{detail::authorization_factory::make(t, terms.name, g), id,
                                       until, terms};
  }
  if (!approval) return decisions::justification_needed{terms};
  for (std::size_t k = 0; k < levels.size(); ++k)
    if (levels[k].approvers.empty())
      return denied(deny_reason::no_approver, "rule " + terms.name + " names no approver for " +
                                                  t.person + " at level " + std::to_string(k + 1));
  return decisions::approval_needed{terms, std::move(levels), std::move(manager_flag)};
}

decision by_rule(const policy_index& index, index_t r, index_t p, const target& t,
                 const grant_source& grants, time_point now) {
  const config::rule& rule = index.rule(r);
  const rule_terms& terms = index.terms(r);
  switch (rule.mode) {
    case config::rule_mode::allow:
      return decisions::allow{detail::authorization_factory::make(t, terms.name, std::nullopt),
                              terms};
    case config::rule_mode::justify: return need(t, grants, now, terms, {}, false, {});
    case config::rule_mode::approve:
      return need(t, grants, now, terms, index.resolve_levels(r, p), true, {});
    case config::rule_mode::deny: break;
  }
  return denied(deny_reason::rule_denies,
                "rule " + rule.name + " denies " + t.person + " access to " + where(t));
}

}  // namespace

std::string_view to_string(deny_reason r) {
  switch (r) {
    case deny_reason::unknown_person: return "unknown_person";
    case deny_reason::unknown_server: return "unknown_server";
    case deny_reason::unknown_account: return "unknown_account";
    case deny_reason::wrong_protocol: return "wrong_protocol";
    case deny_reason::rule_denies: return "rule_denies";
    case deny_reason::no_rule: return "no_rule";
    case deny_reason::no_approver: return "no_approver";
  }
  return "no_rule";
}

decision decide(const policy_index& index, const target& t, const grant_source& grants,
                time_point now) {
  const index_t p = index.find_person(t.person);
  if (p == policy_index::npos)
    return denied(deny_reason::unknown_person, "unknown person " + t.person);
  const index_t s = index.find_server(t.server);
  if (s == policy_index::npos)
    return denied(deny_reason::unknown_server, "unknown server " + t.server);
  const config::server& server = index.server(s);
  if (server.protocol == config::protocol::manual &&
      (t.protocol != config::protocol::manual || !t.account.empty()))
    return denied(deny_reason::wrong_protocol,
                  "server " + t.server +
                      " is a manual resource: nobody connects to it through "
                      "the gate; request it (its fulfillers grant it by hand)");
  if (server.protocol != t.protocol)
    return denied(deny_reason::wrong_protocol, "server " + t.server + " is reached over " +
                                                   std::string(to_string(server.protocol)) +
                                                   ", not " + std::string(to_string(t.protocol)));
  if (!index.has_account(s, t.account))
    return denied(deny_reason::unknown_account,
                  "server " + t.server + " has no account " + t.account);

  const index_t r = index.first_matching_rule(p, s, t.account);
  if (r != policy_index::npos &&
      (index.rule(r).mode == config::rule_mode::deny || index.matches_explicitly(r, p, s)))
    return by_rule(index, r, p, t, grants, now);

  if (std::string_view flag = index.manager_flag(p, s); !flag.empty()) {
    const auto& managers = index.managers_of(p);
    if (managers.empty())
      return denied(
          deny_reason::no_approver,
          std::string(flag) + " requires manager approval, but " + t.person + " has no manager");
    std::vector<approver_level> levels{approver_level{managers, config::condition::any}};
    const bool approve_rule =
        r != policy_index::npos && index.rule(r).mode == config::rule_mode::approve;
    if (approve_rule)
      for (auto& level : index.resolve_levels(r, p)) levels.push_back(std::move(level));
    const rule_terms& terms = r == policy_index::npos ? flag_only_terms() : index.terms(r);
    return need(t, grants, now, terms, std::move(levels), true, std::string(flag));
  }

  if (r != policy_index::npos) return by_rule(index, r, p, t, grants, now);
  return denied(deny_reason::no_rule, "no rule lets " + t.person + " reach " + where(t));
}

decision decide(const config::config& cfg, const target& t, const grant_source& grants,
                time_point now) {
  return decide(policy_index(cfg), t, grants, now);
}

std::string_view decision_name(const decision& d) {
  static constexpr std::string_view names[] = {"allow", "allowed_by_grant", "justification_needed",
                                               "approval_needed", "deny"};
  return names[d.index()];
}

}  // namespace gatehouse::policy
