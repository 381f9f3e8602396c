#include "proxy/session/service_gate.hpp"

#include <memory>

#include "policy/store_reachability.hpp"

namespace gatehouse::proxy::session {

namespace {

void copy_terms(decision& out, const policy::rule_terms& terms) {
  out.rule = terms.name;
  out.hold_timeout = terms.hold_timeout;
  out.allow_port_forwarding = terms.allow_port_forwarding;
}

}  // namespace

policy::target to_policy_target(const target& t) {
  return {t.person, t.server, t.account, t.protocol};
}

decision to_decision(const policy::decision& d) {
  decision out;
  namespace ds = policy::decisions;
  if (const auto* a = std::get_if<ds::allow>(&d)) {
    out.verdict = verdict::allow;
    out.authorization = a->authorization;
    copy_terms(out, a->terms);
  } else if (const auto* g = std::get_if<ds::allowed_by_grant>(&d)) {
    out.verdict = verdict::allow;
    out.authorization = g->authorization;
    copy_terms(out, g->terms);
  } else if (const auto* j = std::get_if<ds::justification_needed>(&d)) {
    out.verdict = verdict::justification_needed;
    copy_terms(out, j->terms);
  } else if (const auto* n = std::get_if<ds::approval_needed>(&d)) {
    out.verdict = verdict::approval_needed;
    copy_terms(out, n->terms);
  } else if (const auto* x = std::get_if<ds::deny>(&d)) {
    out.verdict = verdict::deny;
    out.deny = x->reason;
    out.text = x->text;
  }
  return out;
}

request_status to_request_status(const policy::request& r) {
  request_status out;
  out.id = r.id;
  out.state = r.state;
  if (auto level = policy::current_level(r); level < r.levels.size())
    out.waiting_for = policy::undecided_approvers(r, level);
  if (const auto* denial = policy::last_denial(r)) {
    out.decided_by = denial->approver;
    out.comment = denial->comment;
  } else if (out.state == request_state::approved && !r.decisions.empty()) {
    out.decided_by = r.decisions.back().approver;
    out.comment = r.decisions.back().comment;
  }
  return out;
}

grant_status to_grant_status(const policy::grant& g) {
  grant_status out;
  out.id = g.id;
  out.revoked = g.state == policy::grant_state::revoked;
  out.revoked_by = g.revoked_by;
  out.at = g.closed_at.value_or(g.end);
  return out;
}

void service_gate::check(const target& t, std::function<void(decision)> done) {
  // A check made while the store is away reads no grant (store_grants fails closed) and would
  // need a request filed: it is marked, so that the hold refuses a new login with the right
  // words and a held one waits. The policy's own denials need no store and stay what they are.
  service_.check_async(to_policy_target(t),
                       [&service = service_, done = std::move(done)](policy::decision d) {
                         auto out = to_decision(d);
                         const bool needs_store = out.verdict == verdict::approval_needed ||
                                                  out.verdict == verdict::justification_needed;
                         if (needs_store && !service.store_reachable())
                           out.store_unreachable = true;
                         done(std::move(out));
                       });
}

void service_gate::file_or_reuse(const target& t, const std::string& justification,
                                 std::function<void(filing)> done) {
  service_.file_or_reuse_async(
      to_policy_target(t), justification,
      [&service = service_, done = std::move(done)](policy::result<policy::request> filed) {
        if (filed) return done(filing(to_request_status(*filed)));
        done(filing(service.store_reachable() ? filed.message()
                                              : std::string(policy::store_unreachable_text)));
      });
}

void service_gate::find_request(std::int64_t id,
                                std::function<void(std::optional<request_status>)> done) {
  service_.find_request_async(id, [done = std::move(done)](policy::result<policy::request> r) {
    std::optional<request_status> out;
    if (r) out = to_request_status(*r);
    done(std::move(out));
  });
}

watch service_gate::watch_request(std::int64_t id, std::function<void(const request_status&)> fn) {
  return service_.watch_request_async(
      id, [fn = std::move(fn)](const policy::request& r) { fn(to_request_status(r)); });
}

watch service_gate::watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) {
  return service_.watch_grant_async(
      id, [fn = std::move(fn)](const policy::grant& g) { fn(to_grant_status(g)); });
}

}  // namespace gatehouse::proxy::session
