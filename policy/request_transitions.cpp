#include "policy/request_transitions.hpp"

#include <algorithm>

#include "core/duration.hpp"
#include "policy/fulfilment.hpp"
#include "policy/recording_access.hpp"

namespace gatehouse::policy {

namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

template <typename... F>
struct overloaded : F... {
  using F::operator()...;
};
template <typename... F>
overloaded(F...) -> overloaded<F...>;

std::string ref(const request& r) { return "request #" + std::to_string(r.id); }

error refused(std::string message) { return make_error(error_code::refused, std::move(message)); }

// "request #7 is already denied" (an emergency's post-approval counts as its final word).
error finished(const request& r) {
  std::string_view state = to_string(r.state);
  if (r.state == request_state::approved && r.post_approval == post_approval::denied)
    state = "denied";
  return refused(ref(r) + " is already " + std::string(state));
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// One transition in the making.
struct step {
  transition_outcome out;
  const grant* current;
  time_point now;

  request& r() { return out.next; }
  void happen(happening_kind kind, std::string actor, std::string text = {}) {
    out.happened.push_back(happening{kind, std::move(actor), std::move(text)});
  }
  void tell_requester(happening_kind about, std::string by, std::string comment) {
    notification n;
    n.what = notification::kind::tell_requester;
    n.people = {r().requester};
    n.about = about;
    n.by = std::move(by);
    n.comment = std::move(comment);
    out.notifications.push_back(std::move(n));
  }
  void ask_level(std::size_t k) {
    notification n;
    n.what = notification::kind::ask_approvers;
    n.level = k;
    n.people = undecided_approvers(r(), k);
    if (!n.people.empty()) out.notifications.push_back(std::move(n));
  }
  // A step of the request's life kept with its comments (record_kind).
  void keep(record_kind kind, std::string author, std::string text) {
    r().comments.push_back(comment_record{std::move(author), std::move(text), now, kind});
  }
  void record(std::string approver, verdict v, std::string comment, std::size_t level,
              bool admin_override) {
    r().decisions.push_back(decision_record{std::move(approver), v, std::move(comment), now,
                                            int(level), admin_override});
  }
};

// Approves a pending request and creates its grant. A window whose start has passed moves to
// start now, keeping its length.
void approve_now(step& s) {
  request& r = s.r();
  if (r.window.start < s.now) r.window = {s.now, s.now + r.window.length()};
  r.state = request_state::approved;
  grant g;
  g.request = r.id;
  g.person = r.requester;
  g.server = r.server;
  g.account = r.account;
  g.start = r.window.start;
  g.end = r.window.end;
  for (const request_target& t : r.more_targets) {  // granted per target, the same window
    grant more = g;
    more.server = t.server;
    more.account = t.account;
    s.out.more_new_grants.push_back(std::move(more));
  }
  s.out.new_grant = std::move(g);
}

// The request's approvals are complete: approve it, or, for an emergency already approved,
// close its post-approval.
void complete_approval(step& s, const std::string& by, const std::string& comment) {
  request& r = s.r();
  if (r.state == request_state::approved)
    r.post_approval = post_approval::approved;
  else
    approve_now(s);
  s.happen(happening_kind::request_approved, by, comment);
  if (by != r.requester) s.tell_requester(happening_kind::request_approved, by, comment);
}

// After an approval (or at filing): record the requester's own approval where the rule
// auto-approves them, approve when every level is satisfied, else ask the level now due.
// `asked` is the level whose approvers were already asked (none at filing).
void advance(step& s, std::optional<std::size_t> asked, const std::string& by,
             const std::string& comment) {
  request& r = s.r();
  for (;;) {
    std::size_t k = current_level(r);
    if (k == r.levels.size()) return complete_approval(s, by, comment);
    if (!r.auto_approve_requester || !is_approver_at(r, r.requester, k) ||
        has_decided(r, r.requester, k))
      break;
    s.record(r.requester, verdict::approve, "auto-approved: the requester is an approver", k,
             false);
    s.happen(happening_kind::request_reviewed, r.requester, "auto-approved");
  }
  if (std::size_t k = current_level(r); !asked || *asked != k) s.ask_level(k);
}

void deny_request(step& s, const std::string& by, const std::string& comment) {
  request& r = s.r();
  s.happen(happening_kind::request_denied, by, comment);
  if (r.state == request_state::pending) {
    r.state = request_state::denied;
  } else {  // an emergency denied after the fact: its access ends now
    r.post_approval = post_approval::denied;
    if (s.current && s.current->state == grant_state::active) {
      grant g = *s.current;
      g.state = grant_state::revoked;
      g.revoked_by = by;
      g.closed_at = s.now;
      s.out.changed_grant = g;
      s.happen(happening_kind::grant_revoked, by, comment);
      s.keep(record_kind::revoked, by, {});  // the denial above carries the comment
    }
  }
  s.tell_requester(happening_kind::request_denied, by, comment);
}

// Who may decide at the current level, or why not.
std::optional<error> check_decider(const request& r, const std::string& by, const char* verb) {
  if (!awaiting_decisions(r)) return finished(r);
  if (is_recording_request(r) && by == recorded_person(r))
    return refused(by + " cannot " + verb + " " + ref(r) + ": it asks to see their own session");
  if (by == r.requester && !r.auto_approve_requester)
    return refused(by + " cannot " + verb + " " + ref(r) + ": it is their own request");
  const std::size_t k = current_level(r);
  if (!is_approver_at(r, by, k)) {
    for (std::size_t j = k + 1; j < r.levels.size(); ++j)
      if (is_approver_at(r, by, j))
        return refused(ref(r) + " is waiting for level " + std::to_string(k + 1) + " (" +
                       join(r.levels[k].approvers) + "); " + by + " decides at level " +
                       std::to_string(j + 1));
    if (is_approver(r, by))
      return refused("the level of " + ref(r) + " where " + by + " decides is already approved");
    return refused(by + " is not an approver of " + ref(r));
  }
  if (has_decided(r, by, k)) return refused(by + " has already decided " + ref(r));
  return std::nullopt;
}

std::optional<error> check_window(const request& r, const std::optional<time_window>& w,
                                  time_point now) {
  if (!w) return std::nullopt;
  if (r.state == request_state::approved)
    return refused("the window of " + ref(r) + " can no longer change: it is already approved");
  if (auto problem = window_problem(r, *w, now); !problem.empty())
    return make_error(error_code::invalid, problem);
  return std::nullopt;
}

bool involved(const request& r, const std::string& person) {
  return person == r.requester || person == r.filed_by || is_approver(r, person);
}

using outcome = result<transition_outcome>;

outcome on_file(step& s) {
  request& r = s.r();
  if (r.id != 0 || r.version != 0) return refused(ref(r) + " is already filed");
  if (auto problem = window_problem(r, r.window, s.now); !problem.empty())
    return make_error(error_code::invalid, problem);
  for (std::size_t k = 0; k < r.levels.size(); ++k)
    if (r.levels[k].approvers.empty())
      return refused("nobody can approve level " + std::to_string(k + 1) + " of this request");
  r.state = request_state::pending;
  r.post_approval = post_approval::none;
  r.created = s.now;
  s.happen(happening_kind::request_created, r.filed_by, r.justification);
  if (r.emergency && !r.levels.empty()) {
    approve_now(s);
    r.post_approval = post_approval::pending;
    s.happen(happening_kind::access_emergency, r.requester, r.justification);
    notification n;
    n.what = notification::kind::tell_emergency;
    for (const auto& level : r.levels)
      for (const auto& p : level.approvers)
        if (std::find(n.people.begin(), n.people.end(), p) == n.people.end()) n.people.push_back(p);
    s.out.notifications.push_back(std::move(n));
  }
  advance(s, std::nullopt, r.requester, r.justification);
  return std::move(s.out);
}

outcome on_approve(step& s, const events::approve& e) {
  if (auto problem = check_decider(s.r(), e.by, "approve")) return *problem;
  if (auto problem = check_window(s.r(), e.window, s.now)) return *problem;
  const std::size_t k = current_level(s.r());
  if (e.window) s.r().window = *e.window;
  s.record(e.by, verdict::approve, e.comment, k, false);
  const std::size_t mark = s.out.happened.size();
  advance(s, k, e.by, e.comment);
  // An approval that completes the request is reported once, as request.approved; one that
  // does not is a review.
  auto& h = s.out.happened;
  if (std::none_of(h.begin() + long(mark), h.end(),
                   [](const happening& x) { return x.kind == happening_kind::request_approved; }))
    h.insert(h.begin() + long(mark), happening{happening_kind::request_reviewed, e.by, e.comment});
  return std::move(s.out);
}

outcome on_deny(step& s, const events::deny& e) {
  if (auto problem = check_decider(s.r(), e.by, "deny")) return *problem;
  s.record(e.by, verdict::deny, e.comment, current_level(s.r()), false);
  deny_request(s, e.by, e.comment);
  return std::move(s.out);
}

outcome on_admin_approve(step& s, const events::admin_approve& e) {
  if (!awaiting_decisions(s.r())) return finished(s.r());
  if (auto problem = check_window(s.r(), e.window, s.now)) return *problem;
  if (e.window) s.r().window = *e.window;
  s.record(std::string(admin_actor), verdict::approve, e.comment, current_level(s.r()), true);
  complete_approval(s, std::string(admin_actor), e.comment);
  return std::move(s.out);
}

outcome on_admin_deny(step& s, const events::admin_deny& e) {
  if (!awaiting_decisions(s.r())) return finished(s.r());
  s.record(std::string(admin_actor), verdict::deny, e.comment, current_level(s.r()), true);
  deny_request(s, std::string(admin_actor), e.comment);
  return std::move(s.out);
}

outcome on_cancel(step& s, const events::cancel& e) {
  request& r = s.r();
  if (r.state == request_state::approved && r.grant) {
    std::string grants;  // each target's grant (a request may have several)
    for (const auto& t : targets_of(r))
      if (t.grant) grants += (grants.empty() ? "#" : ", #") + std::to_string(*t.grant);
    return refused(ref(r) + " is already approved; revoke grant" +
                   (r.more_targets.empty() ? " " : "s ") + grants + " to end the access");
  }
  if (r.state != request_state::pending) return finished(r);
  if (!e.admin && e.by != r.requester && e.by != r.filed_by)
    return refused("only " + r.requester + " or an admin may cancel " + ref(r));
  r.state = request_state::cancelled;
  s.happen(happening_kind::request_cancelled, e.by);
  if (e.by != r.requester) s.tell_requester(happening_kind::request_cancelled, e.by, {});
  return std::move(s.out);
}

outcome on_expire(step& s) {
  request& r = s.r();
  if (r.state != request_state::pending) return finished(r);
  if (s.now < r.pending_until)
    return refused(ref(r) + " does not expire before " + format_rfc3339(r.pending_until));
  r.state = request_state::expired;
  s.happen(happening_kind::request_expired, {});
  s.tell_requester(happening_kind::request_expired, {}, {});
  return std::move(s.out);
}

outcome on_comment(step& s, const events::comment& e) {
  request& r = s.r();
  if (e.text.empty()) return make_error(error_code::invalid, "a comment needs some text");
  if (!e.admin && !involved(r, e.by))
    return refused(e.by + " is not part of " + ref(r) + " and cannot comment on it");
  auto kept = std::count_if(r.comments.begin(), r.comments.end(),
                            [](const comment_record& c) { return c.kind == record_kind::comment; });
  if (std::size_t(kept) >= max_comments)
    return refused(ref(r) + " has " + std::to_string(max_comments) +
                   " comments, the most one request keeps");
  s.keep(record_kind::comment, e.admin ? std::string(admin_actor) : e.by, e.text);
  s.happen(happening_kind::request_comment, e.admin ? std::string(admin_actor) : e.by, e.text);
  return std::move(s.out);
}

outcome on_reassign(step& s, const events::reassign& e) {
  request& r = s.r();
  if (!awaiting_decisions(r)) return finished(r);
  if (!e.admin && e.by != e.from)
    return refused("only " + e.from + " or an admin may hand on " + e.from + "'s approval of " +
                   ref(r));
  if (e.to == r.requester)
    return refused(e.to + " cannot approve " + ref(r) + ": it is their own request");
  if (is_recording_request(r) && e.to == recorded_person(r))
    return refused(e.to + " cannot approve " + ref(r) + ": it asks to see their own session");
  const std::size_t k = current_level(r);
  bool moved = false, asked = false;
  for (std::size_t j = k; j < r.levels.size(); ++j) {
    auto& people = r.levels[j].approvers;
    auto it = std::find(people.begin(), people.end(), e.from);
    if (it == people.end() || has_decided(r, e.from, j)) continue;
    if (std::find(people.begin(), people.end(), e.to) != people.end())
      return refused(e.to + " already approves level " + std::to_string(j + 1) + " of " + ref(r));
    *it = e.to;
    moved = true;
    asked = asked || j == k;
  }
  if (!moved) return refused(e.from + " has no undecided approval on " + ref(r) + " to hand on");
  const std::string by = e.admin ? std::string(admin_actor) : e.by;
  s.happen(happening_kind::request_reassigned, by, e.from + " -> " + e.to);
  s.keep(record_kind::reassigned, by, e.from + " -> " + e.to);
  if (asked) {
    notification n;
    n.what = notification::kind::ask_approvers;
    n.level = k;
    n.people = {e.to};
    s.out.notifications.push_back(std::move(n));
  }
  return std::move(s.out);
}

// The text a revocation or grant end keeps in the timeline: its comment, and for a request of
// several targets whose grant it was ("deploy@web02: done early").
std::string grant_record_text(const request& r, const grant& g, const std::string& comment) {
  if (r.more_targets.empty()) return comment;
  return g.account + "@" + g.server + (comment.empty() ? "" : ": " + comment);
}

// Checks that `current` is the live grant of one of the targets of an approved request.
std::optional<error> check_grant(const step& s) {
  const request& r = s.out.next;
  if (r.state != request_state::approved || !r.grant || !s.current)
    return refused(ref(r) + " has no grant");
  if (!owns_grant(r, s.current->id))
    return make_error(error_code::internal,
                      "grant #" + std::to_string(s.current->id) + " does not belong to " + ref(r));
  if (s.current->state != grant_state::active)
    return refused("grant #" + std::to_string(s.current->id) + " has already " +
                   (s.current->state == grant_state::ended ? "ended" : "been revoked"));
  return std::nullopt;
}

outcome on_revoke(step& s, const events::revoke& e) {
  if (auto problem = check_grant(s)) return *problem;
  const request& r = s.r();
  if (!e.admin && e.by != r.requester && !is_approver(r, e.by))
    return refused(e.by + " may not revoke grant #" + std::to_string(s.current->id) +
                   ": only its approvers, " + r.requester + " or an admin may");
  grant g = *s.current;
  g.state = grant_state::revoked;
  g.revoked_by = e.admin ? std::string(admin_actor) : e.by;
  g.closed_at = s.now;
  s.happen(happening_kind::grant_revoked, g.revoked_by, e.comment);
  s.keep(record_kind::revoked, g.revoked_by, grant_record_text(r, g, e.comment));
  if (g.revoked_by != r.requester)
    s.tell_requester(happening_kind::grant_revoked, g.revoked_by, e.comment);
  s.out.changed_grant = std::move(g);
  return std::move(s.out);
}

outcome on_end_grant(step& s) {
  if (auto problem = check_grant(s)) return *problem;
  if (s.now < s.current->end)
    return refused("grant #" + std::to_string(s.current->id) + " does not end before " +
                   format_rfc3339(s.current->end));
  grant g = *s.current;
  g.state = grant_state::ended;
  g.closed_at = s.now;
  s.happen(happening_kind::grant_ended, {});
  s.keep(record_kind::grant_ended, {}, grant_record_text(s.r(), g, {}));
  s.out.changed_grant = std::move(g);
  return std::move(s.out);
}

outcome on_fulfil(step& s, const events::fulfil& e) {
  request& r = s.r();
  if (r.protocol != config::protocol::manual)
    return refused(ref(r) + " is not for a manual resource: there is nothing to fulfil");
  switch (fulfilment_of(r)) {
    case fulfilment_state::awaiting: break;
    case fulfilment_state::fulfilled: return refused(ref(r) + " is already fulfilled");
    case fulfilment_state::failed:
      return refused("the fulfilment of " + ref(r) + " already failed");
    case fulfilment_state::none:
      if (r.state == request_state::pending)
        return refused(ref(r) + " is not approved yet: it cannot be fulfilled");
      return finished(r);
  }
  if (!e.admin && std::find(e.fulfillers.begin(), e.fulfillers.end(), e.by) == e.fulfillers.end())
    return refused(e.by + " is not a fulfiller of " + ref(r) +
                   (e.fulfillers.empty() ? "" : " (fulfillers: " + join(e.fulfillers) + ")"));
  if (e.text.empty())
    return make_error(error_code::invalid, e.failed ? "say why the fulfilment failed"
                                                    : "the evidence of the fulfilment is missing");
  const std::string by = e.admin ? std::string(admin_actor) : e.by;
  const auto kind =
      e.failed ? happening_kind::request_fulfilment_failed : happening_kind::request_fulfilled;
  s.keep(e.failed ? record_kind::fulfilment_failed : record_kind::fulfilled, by, e.text);
  s.happen(kind, by, e.text);
  s.tell_requester(kind, by, e.text);
  return std::move(s.out);
}

}  // namespace

std::string_view audit_name(happening_kind k) {
  switch (k) {
    case happening_kind::request_created: return "request.created";
    case happening_kind::request_reviewed: return "request.reviewed";
    case happening_kind::request_approved: return "request.approved";
    case happening_kind::request_denied: return "request.denied";
    case happening_kind::request_expired: return "request.expired";
    case happening_kind::request_cancelled: return "request.cancelled";
    case happening_kind::request_comment: return "request.comment";
    case happening_kind::request_reassigned: return "request.reassigned";
    case happening_kind::access_emergency: return "access.emergency";
    case happening_kind::grant_ended: return "grant.ended";
    case happening_kind::grant_revoked: return "grant.revoked";
    case happening_kind::request_fulfilled: return "request.fulfilled";
    case happening_kind::request_fulfilment_failed: return "request.fulfilment_failed";
  }
  return "request.unknown";
}

std::string window_problem(const request& r, const time_window& w, time_point now) {
  if (w.end <= w.start) return "the window must end after it starts";
  if (w.end <= now) return "the window is already over";
  if (w.length() > r.max_duration)
    return "a window of " + format_duration(duration_cast<seconds>(w.length())) + " exceeds the " +
           format_duration(r.max_duration) + " allowed by rule " + r.rule + " (max_duration)";
  return {};
}

namespace {

// The words a person adds with `e` (see max_comment_bytes); empty for events without any.
std::string_view words_of(const event& e) {
  return std::visit(
      overloaded{
          [](const events::approve& x) -> std::string_view { return x.comment; },
          [](const events::deny& x) -> std::string_view { return x.comment; },
          [](const events::admin_approve& x) -> std::string_view { return x.comment; },
          [](const events::admin_deny& x) -> std::string_view { return x.comment; },
          [](const events::comment& x) -> std::string_view { return x.text; },
          [](const events::revoke& x) -> std::string_view { return x.comment; },
          [](const events::fulfil& x) -> std::string_view { return x.text; },
          [](const auto&) -> std::string_view { return {}; },
      },
      e);
}

}  // namespace

result<transition_outcome> transition(const request& r, const grant* current, const event& e,
                                      time_point now) {
  if (words_of(e).size() > max_comment_bytes)
    return make_error(error_code::invalid,
                      "a comment: at most " + std::to_string(max_comment_bytes) + " bytes");
  step s{transition_outcome{r, std::nullopt, std::nullopt, {}, {}}, current, now};
  s.r().updated = now;
  return std::visit(overloaded{
                        [&](const events::file&) { return on_file(s); },
                        [&](const events::approve& x) { return on_approve(s, x); },
                        [&](const events::deny& x) { return on_deny(s, x); },
                        [&](const events::admin_approve& x) { return on_admin_approve(s, x); },
                        [&](const events::admin_deny& x) { return on_admin_deny(s, x); },
                        [&](const events::cancel& x) { return on_cancel(s, x); },
                        [&](const events::expire&) { return on_expire(s); },
                        [&](const events::comment& x) { return on_comment(s, x); },
                        [&](const events::reassign& x) { return on_reassign(s, x); },
                        [&](const events::revoke& x) { return on_revoke(s, x); },
                        [&](const events::end_grant&) { return on_end_grant(s); },
                        [&](const events::fulfil& x) { return on_fulfil(s, x); },
                    },
                    e);
}

}  // namespace gatehouse::policy
