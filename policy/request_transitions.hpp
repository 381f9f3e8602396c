#pragma once
// The one place where requests and grants change state (ARCHITECTURE practice 3).
//
//   transition(request, its grant or null, event, now) -> outcome | error(refused / invalid)
//
// The outcome is the request as it must be stored, the grant to create or the grant changed,
// what happened (the audit events, in order) and whom to tell. Nothing is written here: the
// caller (access_service) commits the outcome to the store in one transaction, then audits
// and notifies. A refusal changes nothing and says why in one line.
//
// State table ("awaiting" = pending, or approved with post_approval pending; k = the first
// level not yet satisfied; "approver" = an undecided approver of level k):
//
//   from       event              guard                                  to / effects
//   ---------  -----------------  -------------------------------------
//   ---------------------------- (new)      file               window valid, levels non-empty
//   pending: ask level k
//                                 no levels (justify) / auto-approved     approved: create grant
//                                 emergency                              approved, post pending:
//                                                                        create grant, tell all
//                                                                        approvers, ask level k
//   awaiting   approve(by)        by is an approver, not the requester,  record; level k done and
//                                 first decision, window within max     last -> approved + grant
//                                                                        (post: post approved);
//                                                                        else ask level k+1
//   awaiting   deny(by)           as approve                             denied (post: post denied,
//                                                                        grant revoked)
//   awaiting   admin_approve      -                                      as the last approval
//   awaiting   admin_deny         -                                      as a denial
//   awaiting   reassign(from,to)  by is `from` or admin; from undecided   approvers updated; ask
//   `to`
//                                 at a level >= k; to is new there        if at level k
//   pending    cancel(by)         by is requester, filer or admin        cancelled
//   pending    expire             now >= pending_until                   expired, tell requester
//   approved   revoke(by,comment) grant active; by approver/requester/   grant revoked, recorded
//                                 admin                                  (revoked) with comment
//   approved   end_grant          grant active, now >= its end           grant ended, recorded
//                                                                        (grant_ended)
//   any        comment(by)        by is involved; text non-empty         comment appended only
//   approved   fulfil(by)         manual, not yet fulfilled or failed;   recorded (fulfilled /
//                                 by a fulfiller or admin; text          fulfilment_failed), tell
//                                                                        requester
//   terminal   anything else      -                                      refused: "request #7 is
//                                                                        already denied"
//
// Rules encoded here: nobody approves their own request (unless the rule auto-approves the
// requester, which is recorded as their decision when their level comes up); one decision per
// approver per level (a person listed at two levels decides at each, in turn); a denial at
// any level ends the request (a denial beats an approval); level k+1 is neither asked nor
// may decide before level k is satisfied; terminal states absorb. An approval whose window
// start has passed moves the window to start at the approval, keeping its length
// ("--duration counts from the approval"). Reassignments, revocations and the grant's end are
// also kept in the request's comments as records of their kind (request.hpp, record_kind), so
// its timeline shows every step.
//
// Several targets (request.more_targets): the request is decided as one; its approval creates
// one grant per target (new_grant for the first, more_new_grants for the rest, same window);
// revoke and end_grant act on the grant given as `current`, which may be any target's, and
// each is recorded on its own (the record names the target).
//
// Pure and reentrant.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "policy/grant.hpp"
#include "policy/request.hpp"
#include "policy/result.hpp"

namespace gatehouse::policy {

namespace events {
struct file {};
struct approve {
  std::string by;
  std::string comment;
  std::optional<time_window> window;  // the approver's change of the window
};
struct deny {
  std::string by;
  std::string comment;
};
// An administrator decides the whole request, overriding the rule; recorded as by "admin".
struct admin_approve {
  std::string comment;
  std::optional<time_window> window;
};
struct admin_deny {
  std::string comment;
};
struct cancel {
  std::string by;
  bool admin = false;
};
struct expire {};
struct comment {
  std::string by;
  std::string text;
  bool admin = false;
};
struct reassign {
  std::string by;
  std::string from;
  std::string to;
  bool admin = false;
};
struct revoke {
  std::string by;  // recorded as revoked_by ("admin" for an administrator's override)
  bool admin = false;
  std::string comment{};  // why; kept in the request's records, audited, told to the requester
};
struct end_grant {};
// A fulfiller reports an approved request for a manual resource done (with evidence) or failed
// (with why). `fulfillers` are the people the rule names now (policy/fulfilment.hpp).
struct fulfil {
  std::string by;
  std::vector<std::string> fulfillers;
  bool failed = false;
  std::string text;
  bool admin = false;
};
}  // namespace events

// What a request keeps of people's words, which every read of it decodes: the words of one
// event (a comment, a decision's or a revocation's comment, a fulfilment's evidence) at most
// max_comment_bytes, and at most max_comments comments (record_kind::comment) per request.
// Past either the event is refused and nothing is kept.
inline constexpr std::size_t max_comment_bytes = 4096;
inline constexpr std::size_t max_comments = 100;

using event = std::variant<events::file, events::approve, events::deny, events::admin_approve,
                           events::admin_deny, events::cancel, events::expire, events::comment,
                           events::reassign, events::revoke, events::end_grant, events::fulfil>;

// What happened, in audit vocabulary (SPEC "Audit").
enum class happening_kind {
  request_created,            // request.created
  request_reviewed,           // request.reviewed: one approver's approval, more are needed
  request_approved,           // request.approved (also a post-approval of an emergency)
  request_denied,             // request.denied (also a post-approval denial)
  request_expired,            // request.expired
  request_cancelled,          // request.cancelled
  request_comment,            // request.comment
  request_reassigned,         // request.reassigned
  access_emergency,           // access.emergency
  grant_ended,                // grant.ended
  grant_revoked,              // grant.revoked
  request_fulfilled,          // request.fulfilled: a manual resource was granted by a fulfiller
  request_fulfilment_failed,  // request.fulfilment_failed
};
std::string_view audit_name(happening_kind k);  // "request.created", ...

struct happening {
  happening_kind kind;
  std::string actor;  // who caused it; empty for the clock
  std::string text;   // the decision's comment, the comment text, the reassigned names ...
};

struct notification {
  enum class kind {
    ask_approvers,   // `people` of `level` are due to decide
    tell_requester,  // `about` happened, by `by`, with `comment`
    tell_emergency,  // emergency access was taken; `people` are all the approvers
    ask_fulfillers,  // an approved manual request is a task for `people` (policy/fulfilment.hpp)
  };
  notification::kind what = kind::ask_approvers;
  std::size_t level = 0;
  std::vector<std::string> people;
  happening_kind about = happening_kind::request_created;
  std::string by;
  std::string comment;
};

struct transition_outcome {
  request next;                        // to store (version as read; the store bumps it)
  std::optional<grant> new_grant;      // to create; the store sets its id and next.grant
  std::optional<grant> changed_grant;  // ended or revoked (version as read)
  std::vector<happening> happened;
  std::vector<notification> notifications;
  std::vector<grant> more_new_grants{};  // one per next.more_targets (granted per target)
};

result<transition_outcome> transition(const request& r, const grant* current, const event& e,
                                      time_point now);

// Checks a window against a request's terms: positive, not over, within max_duration.
// Empty when fine, else the reason.
std::string window_problem(const request& r, const time_window& w, time_point now);

}  // namespace gatehouse::policy
