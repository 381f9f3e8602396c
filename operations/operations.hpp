#pragma once
// operations::service: the one typed operations API of Gatehouse - everything a person or the
// administrator may do to requests, grants and live sessions, and the reads behind it. The
// admin API (admin/policy_routes, a JSON adapter over it), the web app and the SSH own
// commands call it alike; no JSON passes between them.
//
//   file, approve, deny, cancel, comment, reassign, revoke   through access_service, which
//        decides who may (the policy core's rules), audits and commits; then this tells the
//        gate service itself (gate_service::changed), so held connections, grant watchers and
//        timers learn of the change at once. No caller has to remember it.
//   kill_session                                             through session_control, which
//        the daemon provides over its session registry.
//   get_request, get_grant, list_requests, list_grants       plain reads of the store.
//
// Who acts is an `actor`: a person (their own action) or the administrator (overrides the
// rule, recorded as `admin`).
//
// Ownership: refers to the daemon's gate_service and session_control, which outlive it.
// Thread-safety: the io_context's thread, as gate_service.
#include <memory>
#include <string>
#include <vector>

#include "operations/actor.hpp"
#include "operations/request_action.hpp"
#include "operations/session_control.hpp"
#include "policy/access_service.hpp"

namespace gatehouse::policy {
class gate_service;
}

namespace gatehouse::operations {

class service {
 public:
  service(policy::gate_service& gate, session_control& sessions);

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
  // Hands `by`'s part of the request to `to`.
  policy::result<policy::request> reassign(const actor& by, policy::request_id id,
                                           const std::string& to);
  // One of the above, as parsed from named arguments (request_action.hpp).
  policy::result<policy::request> perform(const actor& by, policy::request_id id,
                                          const request_action& action);
  policy::result<policy::grant> revoke(const actor& by, policy::grant_id id);

  // Ends a live session; not_found ("no live session ID") when none has that id. `by` is
  // who the session's person is told ended it (the admin socket's OS user).
  policy::result<void> kill_session(const std::string& session_id, const std::string& by);

  policy::result<policy::request> get_request(policy::request_id id);
  policy::result<policy::grant> get_grant(policy::grant_id id);
  policy::result<std::vector<policy::request>> list_requests(const policy::request_filter& f = {});
  policy::result<std::vector<policy::grant>> list_grants(const policy::grant_filter& f = {});
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
};

}  // namespace gatehouse::operations
