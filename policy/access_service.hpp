#pragma once
// The synchronous façade of the policy core, called by the daemon, the admin API and the front
// ends (ssh, rdp, http). It decides connections, files requests and carries every change of a
// request or grant through the same path:
//
//   transition(request, grant, event, now)      pure; refusals end here, nothing written
//   -> store.apply(outcome)                     one durable transaction; on a version conflict
//                                               re-read and run the transition again
//      -> audit_sink.record_before_change(...)  one event per happening, durable before the
//                                               commit; a refusal rolls the change back
//   -> notifier                                 approvers asked, requester told, emergency
//
// Filing is limited per person (filing_limit): whoever files - the requester, or a person
// filing for someone through the web or `gatehouse request --as` - may file so many requests
// within a window, so that a request/cancel loop cannot mail the approvers without end. The
// administrator (the admin socket without --as, filing.by_administrator) is not counted: the
// socket is for operators, who decide requests anyway, and a dashboard filing for many people
// must not be stopped by one person's count.
//
// Ownership: holds the current configuration snapshot (shared_ptr<const config> plus its
// policy_index; set_config swaps both at once and callers in flight keep the old one) and
// references to the store, audit sink, notifier and clock, which must outlive it.
// Thread-safety: every member may be called from any thread concurrently (the store, sink and
// notifier must be thread-safe, as their contracts say).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "core/window_limiter.hpp"
#include "policy/audit_sink.hpp"
#include "policy/decision.hpp"
#include "policy/notifier.hpp"
#include "policy/recording_access.hpp"
#include "policy/request.hpp"
#include "policy/result.hpp"
#include "policy/store.hpp"

namespace gatehouse::policy {

// What the requester (or an admin on their behalf) files.
struct filing {
  std::string justification{};
  std::string title{};  // at most max_title_bytes
  // The window asked for: from `start` (default now; a future start asks for access later)
  // for `duration` (default the rule's default_duration) or until `until`; at most one of
  // duration and until. Or an explicit `window` instead of all three. Within max_duration.
  std::optional<time_point> start{};
  std::optional<std::chrono::seconds> duration{};
  std::optional<time_point> until{};
  std::optional<time_window> window{};
  bool emergency = false;
  std::vector<std::string> chosen_approvers{};  // for requester_chooses_approvers rules
  // Targets after the first (the `target` filed for), decided together and granted per target;
  // each under the same rule and protocol as the first, at most max_targets in all.
  std::vector<request_target> more_targets{};
  std::string filed_by{};         // empty: the requester
  bool by_administrator = false;  // the admin socket without --as: not limited
};

// The approver levels a request filed by `requester` under `need` would have before any choice
// of theirs: the requester taken out of every level unless the rule auto-approves them. Where
// the rule sets requester_chooses_approvers, these are the people they may choose among.
std::vector<approver_level> proposed_levels(const decisions::approval_needed& need,
                                            const std::string& requester);

// How many requests one person may file within `window`; past it, filing is refused until
// `window` has passed since the last one counted.
struct filing_limit {
  std::size_t requests = 20;
  std::chrono::seconds window = std::chrono::minutes(10);
};

// An approval's options. At most one of window / until / duration.
struct approval {
  std::string comment{};
  std::optional<time_window> window{};
  std::optional<time_point> until{};               // end; starts at the later of now and the
                                                   // requested start
  std::optional<std::chrono::seconds> duration{};  // counts from the approval
  bool admin_override = false;                     // decide the whole request as "admin"
};

struct due_report {
  std::vector<request> expired{};  // requests that became expired
  std::vector<grant> ended{};      // grants that ended
  std::size_t told_again = 0;      // owed notices told (their teller died before it settled them)
};

class access_service {
 public:
  access_service(std::shared_ptr<const config::config> cfg, store& s, audit_sink& audit,
                 notifier& notify, const clock& clk, filing_limit limit = {});
  ~access_service();

  void set_config(std::shared_ptr<const config::config> cfg);
  std::shared_ptr<const config::config> config() const;

  // The gate's question for a connection (decision.hpp), against the live grants.
  decision check(const target& t) const;

  // Files a request for `t.person` under the rule that applies now (and for each of
  // f.more_targets, which must fall under the same rule and protocol). Refused when the person
  // may already connect, when a request for the same target is already pending, or when the
  // rule denies, or when the one filing has filed too many requests lately (filing_limit);
  // invalid for a window beyond max_duration, a start already past, both a duration and an
  // end, or a missing justification.
  result<request> file_request(const target& t, const filing& f);
  // The newest pending request of this person naming this account among its targets, if any
  // (filed ahead).
  result<std::optional<request>> find_open_request(const std::string& person,
                                                   const std::string& server,
                                                   const std::string& account);

  result<request> approve(request_id id, const std::string& actor, const approval& a);
  result<request> deny(request_id id, const std::string& actor, const std::string& comment,
                       bool admin_override = false);
  result<request> cancel(request_id id, const std::string& actor, bool admin = false);
  result<request> comment(request_id id, const std::string& actor, const std::string& text,
                          bool admin = false);
  result<request> reassign(request_id id, const std::string& actor, const std::string& from,
                           const std::string& to, bool admin = false);
  // `comment` (may be empty) is kept in the request's records, audited with grant.revoked and
  // told to the requester.
  result<grant> revoke(grant_id id, const std::string& actor, bool admin = false,
                       const std::string& comment = {});

  // A fulfiller (policy/fulfilment.hpp; `admin`: the administrator) reports the approved
  // manual request `id` fulfilled with `text` as evidence, or `failed` with `text` as why.
  result<request> fulfil(request_id id, const std::string& actor, bool failed,
                         const std::string& text, bool admin = false);

  // Recordings under audit.recordings_need_approval (policy/recording_access.hpp; in
  // recording_access.cpp): whether `auditor` may view `s`'s recording now; files (or finds
  // their pending) request for it with `reason`; audits each view as recording.viewed
  // (`how`: "replay" or "download"), whether or not an approval was needed.
  result<recording_access> recording_access_for(const std::string& auditor,
                                                const recorded_session& s);
  result<request> file_recording_request(const std::string& auditor, const recorded_session& s,
                                         const std::string& reason);
  void recording_viewed(const std::string& auditor, const recorded_session& s, std::string_view how,
                        const recording_access& access);

  result<request> get_request(request_id id);
  result<grant> get_grant(grant_id id);
  result<std::vector<request>> list_requests(const request_filter& f = {});
  result<std::vector<grant>> list_grants(const grant_filter& f = {});

  // Expires pending requests past their pending_until and ends grants past their end, and
  // tells the notices owed (store.hpp: the daemon that committed them died before it told).
  result<due_report> process_due(time_point now);
  // When process_due next has work (none when nothing is pending or active).
  result<std::optional<time_point>> next_deadline();

 private:
  struct snapshot;
  std::shared_ptr<const snapshot> current() const;
  // Runs the transition made by `make` on request `id` at `now`, audits and commits it
  // (retrying on version conflicts), then notifies.
  // `which`: the grant the event is about (a revocation or end of one target's grant); else
  // the request's first.
  result<committed> act(request_id id, time_point now,
                        const std::function<event(const request&)>& make,
                        std::optional<grant_id> which = std::nullopt);
  result<committed> commit(const request& r, const grant* g, const event& e, time_point now);
  // Tells each notification of `out` (stored as done.notice_ids) and settles those told.
  void notify(const committed& done, const transition_outcome& out);
  // Tells `n` about `r` under its notice's once prefix; whether it was handed on.
  bool tell(const request& r, const notification& n, std::int64_t notice_id);
  // Claims the notices owed at `now`, tells and settles them; how many were told.
  result<std::size_t> tell_owed(time_point now);
  // Who a filing counts against; empty for the administrator.
  static std::string filer(const target& t, const filing& f);
  // The refusal when `who` (a filer) has filed too many requests lately; count_filing counts one.
  std::optional<error> filing_refused(const std::string& who);
  void count_filing(const std::string& who);

  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const snapshot> snapshot_;
  store& store_;
  audit_sink& audit_;
  notifier& notifier_;
  const clock& clock_;
  const filing_limit filing_limit_;
  std::mutex filings_mutex_;
  window_limiter filings_;  // requests filed, by filer (on clock_'s time)
};

}  // namespace gatehouse::policy
