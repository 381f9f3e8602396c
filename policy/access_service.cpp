// access_service, part 1: the operations. The commit path is in access_commit.cpp.
#include "policy/access_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/duration.hpp"
#include "policy/fulfilment.hpp"
#include "policy/justification.hpp"

namespace gatehouse::policy {

struct access_service::snapshot {
  explicit snapshot(std::shared_ptr<const config::config> c) : cfg(std::move(c)), index(*cfg) {}
  std::shared_ptr<const config::config> cfg;
  policy_index index;
};

namespace {

// An `approve` rule with require_justification: true files nothing without a reason.
bool rule_requires_justification(const config::config& cfg, const std::string& rule_name) {
  for (const auto& r : cfg.rules)
    if (r.name == rule_name) return r.require_justification;
  return false;
}

// Live grants as the decision sees them. A store failure reads as "no grant": the decision
// then asks for approval instead of letting the person in (fail closed).
class store_grants final : public grant_source {
 public:
  explicit store_grants(store& s) : store_(s) {}
  std::optional<grant> live_grant(const target& t, time_point now) const override {
    auto g = store_.find_live_grant(t.person, t.server, t.account, now);
    if (!g) {
      spdlog::error("policy: looking up the grant of {} for {}@{}: {}", t.person, t.account,
                    t.server, g.message());
      return std::nullopt;
    }
    return *g;
  }

 private:
  store& store_;
};

error refused(std::string message) { return make_error(error_code::refused, std::move(message)); }
error invalid(std::string message) { return make_error(error_code::invalid, std::move(message)); }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::vector<approver_level> proposed_levels(const decisions::approval_needed& need,
                                            const std::string& requester) {
  std::vector<approver_level> levels = need.levels;
  if (!need.terms.auto_approve_if_requester_is_approver)
    for (auto& level : levels) std::erase(level.approvers, requester);
  return levels;
}

namespace {

// The approver levels of a new request: proposed_levels, and, where the rule lets the
// requester choose, each level keeps only the chosen people.
result<std::vector<approver_level>> levels_for(const decisions::approval_needed& need,
                                               const std::string& requester,
                                               const std::vector<std::string>& chosen) {
  std::vector<approver_level> levels = proposed_levels(need, requester);
  std::vector<std::string> eligible;
  for (auto& level : levels)
    for (const auto& p : level.approvers)
      if (!contains(eligible, p)) eligible.push_back(p);
  if (!need.terms.requester_chooses_approvers) {
    if (!chosen.empty())
      return invalid("rule " + need.terms.name + " does not let the requester choose approvers");
    return levels;
  }
  if (chosen.empty())
    return invalid("rule " + need.terms.name +
                   " needs you to choose approvers among: " + join(eligible));
  for (const auto& p : chosen)
    if (!contains(eligible, p))
      return invalid(p + " cannot approve under rule " + need.terms.name +
                     "; choose among: " + join(eligible));
  for (std::size_t k = 0; k < levels.size(); ++k) {
    std::vector<std::string> all = std::move(levels[k].approvers);
    for (const auto& p : all)
      if (contains(chosen, p)) levels[k].approvers.push_back(p);
    if (levels[k].approvers.empty())
      return invalid("choose at least one approver of level " + std::to_string(k + 1) +
                     " among: " + join(all));
  }
  return levels;
}

// The window a filing asks for (filing's comment). A start a little in the past (a clock
// apart, a script's "now") is now; one further back is refused: nobody files for the past.
result<time_window> requested_window(const filing& f, const rule_terms& terms, time_point now) {
  if (f.window) return *f.window;
  if (f.duration && f.until) return invalid("give a duration or an end time, not both");
  constexpr auto slack = std::chrono::minutes(1);
  time_point start = f.start.value_or(now);
  if (start < now - slack)
    return invalid("the start " + format_rfc3339(start) + " has already passed");
  start = std::max(start, now);
  if (f.until) return time_window{start, *f.until};
  return time_window{start, start + f.duration.value_or(terms.default_duration)};
}

}  // namespace

access_service::access_service(std::shared_ptr<const config::config> cfg, store& s,
                               audit_sink& audit, notifier& notify, const clock& clk,
                               filing_limit limit)
    : snapshot_(std::make_shared<const snapshot>(std::move(cfg))),
      store_(s),
      audit_(audit),
      notifier_(notify),
      clock_(clk),
      filing_limit_(limit),
      filings_(limit.requests, limit.window, limit.window) {}

access_service::~access_service() = default;

void access_service::set_config(std::shared_ptr<const config::config> cfg) {
  auto next = std::make_shared<const snapshot>(std::move(cfg));  // built outside the lock
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(next);
}

std::shared_ptr<const access_service::snapshot> access_service::current() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

std::shared_ptr<const config::config> access_service::config() const { return current()->cfg; }

decision access_service::check(const target& t) const {
  auto snap = current();
  return decide(snap->index, t, store_grants(store_), clock_.now());
}

std::string access_service::filer(const target& t, const filing& f) {
  if (f.by_administrator) return {};
  return f.filed_by.empty() ? t.person : f.filed_by;
}

namespace {
// The service's clock as the limiter's time point: tests and benchmarks move it.
steady_time limiter_time(const clock& c) { return steady_time(c.now().time_since_epoch()); }
}  // namespace

std::optional<error> access_service::filing_refused(const std::string& who) {
  if (who.empty()) return std::nullopt;
  std::lock_guard lock(filings_mutex_);
  if (!filings_.blocked(who, limiter_time(clock_))) return std::nullopt;
  return refused("too many requests: " + who + " may file " +
                 std::to_string(filing_limit_.requests) + " within " +
                 format_duration(filing_limit_.window) + "; try again later");
}

void access_service::count_filing(const std::string& who) {
  if (who.empty()) return;
  std::lock_guard lock(filings_mutex_);
  filings_.record(who, limiter_time(clock_));
}

namespace {

// What filing for one target would be under the rule that applies now: its terms and approver
// levels, or why it cannot be filed (the person may already connect, the rule denies, a
// justification or approvers are missing).
struct target_terms {
  rule_terms terms;
  std::vector<approver_level> levels;
};

result<target_terms> terms_for(const policy_index& index, const config::config& cfg, store& s,
                               const target& t, const filing& f, time_point now) {
  decision d = decide(index, t, store_grants(s), now);
  const std::string where = t.account + "@" + t.server;
  if (auto* no = std::get_if<decisions::deny>(&d)) return refused(no->text);
  if (std::holds_alternative<decisions::allow>(d))
    return refused(t.person + " may connect to " + where + " without a request");
  if (auto* g = std::get_if<decisions::allowed_by_grant>(&d))
    return refused(t.person + " already has grant #" + std::to_string(g->grant) + " for " + where +
                   " until " + format_rfc3339(g->until));
  if (auto* j = std::get_if<decisions::justification_needed>(&d)) {
    if (f.justification.empty()) return invalid(justification_required_text(where));
    return target_terms{j->terms, {}};
  }
  auto& need = std::get<decisions::approval_needed>(d);
  auto resolved = levels_for(need, t.person, f.chosen_approvers);
  if (!resolved) return resolved.err();
  if (f.justification.empty() && rule_requires_justification(cfg, need.terms.name))
    return invalid(justification_required_text(where));
  return target_terms{need.terms, std::move(*resolved)};
}

std::string target_name(const std::string& server, const std::string& account) {
  return account.empty() ? server : account + "@" + server;
}

// The further targets of a filing for `first`, duplicates folded; invalid past max_targets.
result<std::vector<request_target>> further_targets(const target& first, const filing& f) {
  std::vector<request_target> out;
  for (const auto& t : f.more_targets) {
    if (t.server == first.server && t.account == first.account) continue;
    if (std::any_of(out.begin(), out.end(), [&](const request_target& o) {
          return o.server == t.server && o.account == t.account;
        }))
      continue;
    out.push_back(request_target{t.server, t.account, std::nullopt});
  }
  if (out.size() + 1 > max_targets)
    return invalid("at most " + std::to_string(max_targets) + " targets in one request");
  return out;
}

}  // namespace

result<request> access_service::file_request(const target& t, const filing& f) {
  if (auto over = filing_refused(filer(t, f))) return *over;
  if (f.title.size() > max_title_bytes)
    return invalid("title: at most " + std::to_string(max_title_bytes) + " bytes");
  const time_point now = clock_.now();
  auto snap = current();
  auto more = further_targets(t, f);
  if (!more) return more.err();
  if (f.emergency && !more->empty())
    return refused("emergency access names one target: file the others separately");
  auto first = terms_for(snap->index, *snap->cfg, store_, t, f, now);
  if (!first) return first.err();
  const rule_terms& terms = first->terms;
  const std::string where = target_name(t.server, t.account);
  // Decided together: every target under the same rule, protocol and approvers as the first.
  for (const request_target& m : *more) {
    const auto* srv = snap->cfg->find_server(m.server);
    target other{t.person, m.server, m.account, srv ? srv->protocol : t.protocol};
    const std::string name = target_name(m.server, m.account);
    auto its = terms_for(snap->index, *snap->cfg, store_, other, f, now);
    if (!its) return make_error(its.code(), name + ": " + its.message());
    if (its->terms.name != terms.name)
      return refused(name + " falls under rule " + its->terms.name + ", not " + terms.name +
                     ": file these separately");
    if (other.protocol != t.protocol)
      return refused(name + " is reached by " + std::string(to_string(other.protocol)) + ", not " +
                     std::string(to_string(t.protocol)) + ": file these separately");
    if (its->levels != first->levels)
      return refused(name + " needs other approvers than " + where + ": file these separately");
  }
  if (f.emergency && !terms.emergency)
    return refused("rule " + terms.name + " does not allow emergency access");
  std::vector<request_target> all{{t.server, t.account, std::nullopt}};
  all.insert(all.end(), more->begin(), more->end());
  if (!f.emergency)
    for (const request_target& each : all) {
      auto open = find_open_request(t.person, each.server, each.account);
      if (!open) return open.err();
      if (*open)
        return refused("request #" + std::to_string((*open)->id) + " for " +
                       target_name(each.server, each.account) + " is already waiting for approval");
    }

  request draft;
  draft.requester = t.person;
  draft.server = t.server;
  draft.account = t.account;
  draft.more_targets = std::move(*more);
  draft.protocol = t.protocol;
  draft.justification = f.justification;
  draft.title = f.title;
  auto window = requested_window(f, terms, now);
  if (!window) return window.err();
  draft.window = *window;
  draft.levels = std::move(first->levels);
  draft.emergency = f.emergency;
  draft.rule = terms.name;
  draft.max_duration = terms.max_duration;
  draft.pending_until = now + terms.pending_timeout;
  draft.auto_approve_requester = terms.auto_approve_if_requester_is_approver;
  draft.filed_by = f.filed_by.empty() ? t.person : f.filed_by;
  auto done = commit(draft, nullptr, events::file{}, now);
  if (!done) return done.err();
  count_filing(filer(t, f));
  return std::move(done->req);
}

result<std::optional<request>> access_service::find_open_request(const std::string& person,
                                                                 const std::string& server,
                                                                 const std::string& account) {
  // A person has few pending requests; a further target is inside a request's JSON column.
  auto found = store_.list_requests(request_filter{request_state::pending, person, {}, {}, 0});
  if (!found) return found.err();
  for (auto& r : *found)  // newest first
    if (covers(r, server, account)) return std::optional<request>(std::move(r));
  return std::optional<request>();
}

result<request> access_service::approve(request_id id, const std::string& actor,
                                        const approval& a) {
  if (int(a.window.has_value()) + int(a.until.has_value()) + int(a.duration.has_value()) > 1)
    return invalid("give at most one of a window, an end time or a duration");
  const time_point now = clock_.now();
  auto done = act(id, now, [&](const request& r) -> event {
    std::optional<time_window> window = a.window;
    if (a.duration) window = time_window{now, now + *a.duration};
    if (a.until) window = time_window{std::max(r.window.start, now), *a.until};
    if (a.admin_override) return events::admin_approve{a.comment, window};
    return events::approve{actor, a.comment, window};
  });
  if (!done) return done.err();
  return std::move(done->req);
}

result<request> access_service::deny(request_id id, const std::string& actor,
                                     const std::string& comment, bool admin_override) {
  auto done = act(id, clock_.now(), [&](const request&) -> event {
    if (admin_override) return events::admin_deny{comment};
    return events::deny{actor, comment};
  });
  if (!done) return done.err();
  return std::move(done->req);
}

result<request> access_service::cancel(request_id id, const std::string& actor, bool admin) {
  auto done = act(id, clock_.now(), [&](const request&) { return events::cancel{actor, admin}; });
  if (!done) return done.err();
  return std::move(done->req);
}

result<request> access_service::comment(request_id id, const std::string& actor,
                                        const std::string& text, bool admin) {
  auto done = act(id, clock_.now(), [&](const request&) {
    return events::comment{actor, text, admin};
  });
  if (!done) return done.err();
  return std::move(done->req);
}

result<request> access_service::reassign(request_id id, const std::string& actor,
                                         const std::string& from, const std::string& to,
                                         bool admin) {
  if (!config()->find_user(to)) return invalid("unknown person " + to);
  auto done = act(id, clock_.now(), [&](const request&) {
    return events::reassign{actor, from, to, admin};
  });
  if (!done) return done.err();
  return std::move(done->req);
}

result<grant> access_service::revoke(grant_id id, const std::string& actor, bool admin,
                                     const std::string& comment) {
  auto g = store_.get_grant(id);
  if (!g) return g.err();
  auto done = act(
      g->request, clock_.now(),
      [&](const request&) {
        return events::revoke{actor, admin, comment};
      },
      id);
  if (!done) return done.err();
  return std::move(*done->stored_grant);
}

result<request> access_service::fulfil(request_id id, const std::string& actor, bool failed,
                                       const std::string& text, bool admin) {
  auto cfg = config();
  auto done = act(id, clock_.now(), [&](const request& r) {
    return events::fulfil{actor, fulfillers_of(*cfg, r), failed, text, admin};
  });
  if (!done) return done.err();
  return std::move(done->req);
}

result<request> access_service::get_request(request_id id) { return store_.get_request(id); }
result<grant> access_service::get_grant(grant_id id) { return store_.get_grant(id); }

result<std::vector<request>> access_service::list_requests(const request_filter& f) {
  return store_.list_requests(f);
}

result<std::vector<grant>> access_service::list_grants(const grant_filter& f) {
  return store_.list_grants(f);
}

result<due_report> access_service::process_due(time_point now) {
  auto due = store_.due(now);
  if (!due) return due.err();
  due_report report;
  // Another daemon may have done the same work first: a refusal then only means "done".
  for (const request& r : due->expired_requests) {
    auto done = act(r.id, now, [](const request&) { return events::expire{}; });
    if (done)
      report.expired.push_back(std::move(done->req));
    else if (done.code() != error_code::refused)
      return done.err();
  }
  for (const grant& g : due->ended_grants) {
    auto done = act(
        g.request, now, [](const request&) { return events::end_grant{}; }, g.id);
    if (done)
      report.ended.push_back(std::move(*done->stored_grant));
    else if (done.code() != error_code::refused)
      return done.err();
  }
  auto told = tell_owed(now);
  if (!told) return told.err();
  report.told_again = *told;
  return report;
}

result<std::optional<time_point>> access_service::next_deadline() { return store_.next_deadline(); }

}  // namespace gatehouse::policy
