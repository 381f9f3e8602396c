// access_service, part 3: recordings as access requests of their own (recording_access.hpp).
#include <algorithm>

#include "policy/access_service.hpp"
#include "policy/policy_index.hpp"

namespace gatehouse::policy {

namespace {

error refused(std::string message) { return make_error(error_code::refused, std::move(message)); }

// The approvers and terms of a request to see `s`: the rule that lets the recorded person reach
// the recorded server (its levels, resolved for them), else their managers; never the recorded
// person nor the auditor. Empty levels when nobody else can decide.
std::pair<std::vector<approver_level>, rule_terms> deciders(const config::config& cfg,
                                                            const recorded_session& s,
                                                            const std::string& auditor) {
  policy_index index(cfg);
  std::vector<approver_level> levels;
  rule_terms terms;
  terms.name = "recordings";
  const auto p = index.find_person(s.person);
  const auto srv = index.find_server(s.server);
  if (p != policy_index::npos && srv != policy_index::npos) {
    const auto r = index.first_matching_rule(p, srv, s.account);
    if (r != policy_index::npos) {
      terms = index.terms(r);
      if (index.rule(r).mode == config::rule_mode::approve) levels = index.resolve_levels(r, p);
    }
  }
  if (levels.empty() && p != policy_index::npos)
    levels.push_back(approver_level{index.managers_of(p), config::condition::any});
  for (auto& level : levels) {
    std::erase(level.approvers, s.person);
    std::erase(level.approvers, auditor);
  }
  if (std::any_of(levels.begin(), levels.end(),
                  [](const approver_level& l) { return l.approvers.empty(); }))
    levels.clear();
  return {std::move(levels), terms};
}

}  // namespace

result<recording_access> access_service::recording_access_for(const std::string& auditor,
                                                              const recorded_session& s) {
  recording_access out;
  if (!config()->audit.recordings_need_approval) {
    out.allowed = true;
    return out;
  }
  const std::string target = recording_target(s.id);
  auto g = store_.find_live_grant(auditor, target, s.person, clock_.now());
  if (!g) return g.err();
  if (*g) {
    out.allowed = true;
    out.grant = (*g)->id;
    return out;
  }
  auto open = find_open_request(auditor, target, s.person);
  if (!open) return open.err();
  out.pending = std::move(*open);
  return out;
}

result<request> access_service::file_recording_request(const std::string& auditor,
                                                       const recorded_session& s,
                                                       const std::string& reason) {
  auto access = recording_access_for(auditor, s);
  if (!access) return access.err();
  if (access->allowed) return refused(auditor + " may already view the recording of " + s.id);
  if (access->pending) return std::move(*access->pending);
  if (reason.empty())
    return make_error(error_code::invalid, "say why you need to see the recording of " + s.id);
  if (auto over = filing_refused(auditor)) return *over;
  auto [levels, terms] = deciders(*config(), s, auditor);
  if (levels.empty())
    return refused("nobody but " + s.person + " could approve viewing the recording of " + s.id +
                   ": no rule or manager names another approver");
  const time_point now = clock_.now();
  request draft;
  draft.requester = auditor;
  draft.server = recording_target(s.id);
  draft.account = s.person;
  draft.protocol = config::protocol::ssh;
  draft.justification = reason;
  draft.window = {now, now + terms.default_duration};
  draft.levels = std::move(levels);
  draft.rule = terms.name;
  draft.max_duration = terms.max_duration;
  draft.pending_until = now + terms.pending_timeout;
  draft.filed_by = auditor;
  auto done = commit(draft, nullptr, events::file{}, now);
  if (!done) return done.err();
  count_filing(auditor);
  return std::move(done->req);
}

void access_service::recording_viewed(const std::string& auditor, const recorded_session& s,
                                      std::string_view how, const recording_access& access) {
  audit_event e{"recording.viewed", clock_.now(), {}, {}};
  e.fields["actor"] = auditor;
  e.fields["session"] = s.id;
  e.fields["person"] = s.person;
  e.fields["server"] = s.server;
  if (!s.account.empty()) e.fields["account"] = s.account;
  e.fields["how"] = std::string(how);
  e.fields["approval"] = access.grant ? "granted" : "not_needed";
  if (access.grant) e.fields["grant"] = std::to_string(*access.grant);
  audit_.record(e);
}

}  // namespace gatehouse::policy
