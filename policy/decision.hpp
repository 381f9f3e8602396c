#pragma once
// The gate's decision (SPEC "Decisions and requests"; ARCHITECTURE practice 2): a pure
// function of the configuration snapshot, the connection target, the live grants and the
// time. It never writes anything.
//
//   decide(index, {person, server, account, protocol}, grants, now) ->
//     allow                 the rule says `allow`
//     allowed_by_grant      a live grant covers the target (justify / approve rules)
//     justification_needed  `justify` and no live grant: ask for a reason, file it, connect
//     approval_needed       `approve` (or manager approval, below) and no live grant
//     deny                  with a reason code (also an audit field and metric label) and text
//
// Matching: rules are tried in order and the first whose `users`, `servers` and `accounts`
// all match wins; users/servers entries are names, `group:NAME` or `*`, accounts are names or
// `*`. Unknown person, server or account, or a server reached over the wrong protocol, is
// denied before any rule is consulted.
//
// require_manager_approval (SPEC: "the requester's group managers must approve, unless an
// explicit rule matches the pair"). Our reading, chosen so that the flag can only tighten
// what a blanket rule allows and never loosens what a rule denies:
//   * a rule matches the pair explicitly when it names the person (by name or group) AND
//     the server (by name or group); such a rule decides alone, the flag is not consulted;
//   * a `deny` rule always denies, explicit or not;
//   * otherwise, when the person is in a user group, or the server in a server group, whose
//     flag is set, the managers of the person's groups must approve: the answer is
//     approval_needed with a first level of those managers (condition any), followed by the
//     levels of the matched rule when it is an `approve` rule. A blanket `allow`/`justify`
//     rule is thereby tightened to manager approval, and when no rule matches at all the
//     flag opens a path (manager approval) where the default would deny. The terms
//     (durations, timeouts) are the matched rule's, or the defaults when none matched;
//   * a person with no managers under a flag is denied (no_approver).
//
// Performance: with a prebuilt policy_index, a decision is a few hash lookups and an AND over
// one bit row per 64 rules (bench/bench_decision.cpp).
//
// Thread-safety: decide() is reentrant; the index is immutable.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "policy/grant.hpp"
#include "policy/policy_index.hpp"
#include "policy/request.hpp"

namespace gatehouse::policy {

struct target {
  std::string person{};
  std::string server{};
  std::string account{};
  config::protocol protocol = config::protocol::ssh;
};

// The live grants, as far as a decision needs them.
class grant_source {
 public:
  virtual ~grant_source() = default;
  virtual std::optional<grant> live_grant(const target& t, time_point now) const = 0;
};

// A grant_source that knows no grants (allow-only callers, tests).
class no_grants final : public grant_source {
 public:
  std::optional<grant> live_grant(const target&, time_point) const override { return {}; }
};

namespace detail {
struct authorization_factory;
}

// Proof that the policy let this person reach this account: only decide() creates one, so
// code that connects upstream can demand it (ARCHITECTURE practice 5).
class authorization {
 public:
  const std::string& person() const { return person_; }
  const std::string& server() const { return server_; }
  const std::string& account() const { return account_; }
  const std::string& rule() const { return rule_; }
  std::optional<grant_id> grant() const { return grant_; }
  std::optional<time_point> until() const { return until_; }  // none for `allow`

 private:
  friend struct detail::authorization_factory;
  authorization() = default;
  std::string person_, server_, account_, rule_;
  std::optional<grant_id> grant_;
  std::optional<time_point> until_;
};

enum class deny_reason {
  unknown_person,
  unknown_server,
  unknown_account,
  wrong_protocol,
  rule_denies,  // the first matching rule says deny
  no_rule,      // nothing matched and no manager flag applies
  no_approver,  // approval would be needed but nobody could give it
};
std::string_view to_string(deny_reason r);  // snake_case label, as above

namespace decisions {
struct allow {
  policy::authorization authorization;
  rule_terms terms;
};
struct allowed_by_grant {
  policy::authorization authorization;
  grant_id grant = 0;
  time_point until;
  rule_terms terms;
};
struct justification_needed {
  rule_terms terms;
};
struct approval_needed {
  rule_terms terms;
  std::vector<approver_level> levels;  // resolved person names, level by level
  std::string manager_flag;            // "server group production" when a flag added level 1
};
struct deny {
  deny_reason reason = deny_reason::no_rule;
  std::string text;  // "no rule lets alice reach root@web01"
};
}  // namespace decisions

using decision =
    std::variant<decisions::allow, decisions::allowed_by_grant, decisions::justification_needed,
                 decisions::approval_needed, decisions::deny>;

decision decide(const policy_index& index, const target& t, const grant_source& grants,
                time_point now);

// Convenience for one-off callers: builds an index first (slow for big configurations).
decision decide(const config::config& cfg, const target& t, const grant_source& grants,
                time_point now);

// "allow", "allowed_by_grant", "justification_needed", "approval_needed", "deny".
std::string_view decision_name(const decision& d);

}  // namespace gatehouse::policy
