#pragma once
// operations::service: the one typed operations API of Gatehouse - everything a person or the
// administrator may do to requests, grants and live sessions, and the reads behind it. The
// admin API (admin/policy_routes, a JSON adapter over it), the web app and the SSH own
// commands call it alike; no JSON passes between them.
//
//   file, approve, deny, cancel, comment, reassign, revoke,  through access_service, which
//   fulfil (a manual resource, policy/fulfilment.hpp)
//        decides who may (the policy core's rules), audits and commits; then this tells the
//        gate service itself (gate_service::changed), so held connections, grant watchers and
//        timers learn of the change at once. No caller has to remember it.
//   kill_session                                             through session_control, which
//        the daemon provides over its session registry.
//   get_request, get_grant, list_requests, list_grants       plain reads of the store.
//   issue_http_token                                         a personal HTTP token for a
//        gated web app (apps/identity/http_tokens), audited as http_token.issued.
//
// Who acts is an `actor`: a person (their own action) or the administrator (overrides the
// rule, recorded as `admin`).
//
// Ownership: refers to the daemon's gate_service, session_control and (for HTTP tokens) token
// store and audit sink, which outlive it.
// Thread-safety: the io_context's thread, as gate_service.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operations/actor.hpp"
#include "operations/request_action.hpp"
#include "operations/session_control.hpp"
#include "policy/access_service.hpp"

namespace gatehouse::policy {
class gate_service;
}
namespace gatehouse::approval {
class token_store;
}

namespace gatehouse::operations {

// What issue_http_token needs besides the gate: where tokens are kept, where their issue is
// audited, and the time. The daemon gives it; without it issue_http_token is refused.
struct http_token_issuing {
  approval::token_store& tokens;
  policy::audit_sink& audit;
  const clock& clk;
};

class service {
 public:
  service(policy::gate_service& gate, session_control& sessions,
          std::optional<http_token_issuing> http_tokens = std::nullopt);

  // Files a request for `t.person`, filed by `by` (the administrator's filings are not
  // counted by the filing limit). filed_by and by_administrator in `f` are set from `by`.
  policy::result<policy::request> file(const actor& by, const policy::target& t, policy::filing f);
  // The administrator's decision overrides the rule and decides the whole request
  // (admin_override in `a` is set from `by`).
  policy::result<policy::request> approve(const actor& by, policy::request_id id,
                                          policy::approval a);
  policy::result<policy::request> deny(const actor& by, policy::request_id id,
                                       const std::string& comment);
  policy::result<policy::request> cancel(const actor& by, policy::request_id id);
  policy::result<policy::request> comment(const actor& by, policy::request_id id,
                                          const std::string& text);
  // Reports an approved manual request fulfilled (`text`: the evidence) or `failed` (`text`:
  // why); `by` must be one of its fulfillers (policy/fulfilment.hpp) or the administrator.
  policy::result<policy::request> fulfil(const actor& by, policy::request_id id, bool failed,
                                         const std::string& text);
  // Hands `by`'s part of the request to `to`.
  policy::result<policy::request> reassign(const actor& by, policy::request_id id,
                                           const std::string& to);
  // One of the above, as parsed from named arguments (request_action.hpp).
  policy::result<policy::request> perform(const actor& by, policy::request_id id,
                                          const request_action& action);
  // `comment` (may be empty): why; kept in the request's timeline, audited, mailed.
  policy::result<policy::grant> revoke(const actor& by, policy::grant_id id,
                                       const std::string& comment = {});

  // Ends a live session; not_found ("no live session ID") when none has that id. `by` is
  // who the session's person is told ended it (the admin socket's OS user).
  policy::result<void> kill_session(const std::string& session_id, const std::string& by);

  policy::result<policy::request> get_request(policy::request_id id);
  policy::result<policy::grant> get_grant(policy::grant_id id);
  policy::result<std::vector<policy::request>> list_requests(const policy::request_filter& f = {});
  policy::result<std::vector<policy::grant>> list_grants(const policy::grant_filter& f = {});
  // A personal HTTP token ("ghh_…", apps/identity/http_tokens.hpp) for `by`, a person, to send
  // to the gated web app `app` as "Authorization: Bearer …", valid for `valid` (0: 8 hours;
  // 5 minutes to 30 days). Refused when `app` is no `protocol: http` server or no rule but
  // `deny` covers the person there (the gate still decides each request: a token opens nothing
  // by itself). Audited as http_token.issued {person, app, expires}; the token is never recorded.
  policy::result<std::string> issue_http_token(const actor& by, const std::string& app,
                                               std::chrono::seconds valid);

  // The configuration in force (servers, to resolve a target named in a filing).
  std::shared_ptr<const config::config> config() const;

 private:
  // Tells the gate service of a mutation just made (held connections, watchers, timers) and
  // passes its outcome on.
  template <typename T>
  policy::result<T> told(policy::result<T> outcome);

  policy::gate_service& gate_;
  policy::access_service& access_;
  session_control& sessions_;
  std::optional<http_token_issuing> http_tokens_;
};

}  // namespace gatehouse::operations
