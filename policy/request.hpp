#pragma once
// An access request (SPEC "Decisions and requests"): who wants which account on which server,
// why, for which window, who must approve it (levels of resolved person names, decided in
// order), the decisions and comments so far, and its state.
//
// States: pending -> approved | denied | expired | cancelled. approved, denied, expired and
// cancelled are terminal for the request itself; an approved request's grant lives on
// (grant.hpp). An emergency request is approved at once with post_approval pending; its
// approvers then decide after the fact.
//
// The request carries everything its transitions need from the rule it was filed under
// (levels, max_duration, pending deadline, auto-approve), so a configuration reload never
// changes the terms of a request already filed.
//
// Plain value type; the helpers below are pure. Only request_transitions changes a request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "policy/grant.hpp"

namespace gatehouse::policy {

enum class request_state { pending, approved, denied, expired, cancelled };
enum class post_approval { none, pending, approved, denied };
enum class verdict { approve, deny };
// What a comment_record keeps: a person's comment, or a step of the request's life after
// filing that is no decision (a reassignment "bob -> dave", a revocation with its comment, the
// grant's end, a manual resource fulfilled or failed: policy/fulfilment.hpp), kept with the
// comments so that the request's timeline shows every step.
enum class record_kind { comment, reassigned, revoked, grant_ended, fulfilled, fulfilment_failed };

std::string_view to_string(request_state s);  // SPEC words: "pending", "approved", ...
std::string_view to_string(post_approval p);  // "none", "pending", "approved", "denied"
std::string_view to_string(verdict v);        // "approve", "deny"
std::string_view to_string(record_kind k);    // "comment", "reassigned", "revoked", "grant_ended"
std::string_view to_string(config::protocol p);
std::string_view to_string(config::condition c);
std::optional<request_state> parse_request_state(std::string_view text);
std::optional<post_approval> parse_post_approval(std::string_view text);
std::optional<verdict> parse_verdict(std::string_view text);
std::optional<record_kind> parse_record_kind(std::string_view text);
std::optional<config::protocol> parse_protocol(std::string_view text);
std::optional<config::condition> parse_condition(std::string_view text);

// The longest title a request may carry, in bytes (SPEC: --title).
inline constexpr std::size_t max_title_bytes = 200;

inline bool is_terminal(request_state s) { return s != request_state::pending; }

// The name under which administrators' overriding decisions are recorded (SPEC: "by admin").
inline constexpr std::string_view admin_actor = "admin";

struct time_window {
  time_point start;
  time_point end;
  auto length() const { return end - start; }
  bool operator==(const time_window&) const = default;
};

// One level of approvers, resolved to person names when the request was filed.
struct approver_level {
  std::vector<std::string> approvers;
  config::condition condition = config::condition::any;
  bool operator==(const approver_level&) const = default;
};

struct decision_record {
  std::string approver;  // a person, or "admin" for an override
  policy::verdict verdict = verdict::approve;
  std::string comment;
  time_point at;
  int level = 0;  // 0-based level it counted for
  bool admin_override = false;
  bool operator==(const decision_record&) const = default;
};

struct comment_record {
  std::string author;  // who; empty for the clock (grant_ended)
  std::string text;    // the comment; "FROM -> TO" for a reassignment
  time_point at;
  record_kind kind = record_kind::comment;
  bool operator==(const comment_record&) const = default;
};

// A further account on a server of a request that names several targets (SPEC: `request
// TARGET…`): decided together with the request, granted per target (its own grant, set when
// the request is approved).
struct request_target {
  std::string server;
  std::string account;
  std::optional<grant_id> grant{};
  bool operator==(const request_target&) const = default;
};

// How many targets one request may name (the first included).
inline constexpr std::size_t max_targets = 20;

struct request {
  request_id id = 0;  // 0 until stored
  std::string requester;
  std::string server;
  std::string account;
  config::protocol protocol = config::protocol::ssh;
  std::string justification;
  std::string title;  // the requester's short name for it (outside text); may be empty
  time_window window;
  std::vector<approver_level> levels;  // empty: nobody needs to approve (justify mode)
  std::vector<decision_record> decisions;
  std::vector<comment_record> comments;  // comments and the other steps (record_kind)
  bool emergency = false;
  policy::post_approval post_approval = post_approval::none;
  request_state state = request_state::pending;
  std::optional<grant_id> grant;  // the first target's grant
  // The targets after the first (server/account/grant above), in the order filed; all of the
  // same rule and protocol.
  std::vector<request_target> more_targets{};

  // Terms copied from the rule at filing time.
  std::string rule;
  std::chrono::seconds max_duration{0};
  time_point pending_until;  // a pending request expires here
  bool auto_approve_requester = false;
  std::string filed_by;  // the requester, or an admin filing on their behalf

  std::int64_t version = 0;  // optimistic concurrency; set by the store
  time_point created;
  time_point updated;
};

// --- Pure reading helpers over a request -----------------------------------------------------

// Every target of the request, the first (server, account, grant) included, in order.
std::vector<request_target> targets_of(const request& r);
// The request names account@server among its targets.
bool covers(const request& r, std::string_view server, std::string_view account);
// `g` is the grant of one of the request's targets.
bool owns_grant(const request& r, grant_id g);
// "root@web01, deploy@web02": every target, for lines, mails and pages.
std::string targets_text(const request& r);

// Level `k` has enough approvals under its condition.
bool level_satisfied(const request& r, std::size_t k);
// The first level not yet satisfied; levels.size() when all are.
std::size_t current_level(const request& r);
// Decisions are still awaited: pending, or an emergency whose post-approval is pending.
bool awaiting_decisions(const request& r);
// The person has recorded a decision at level k (one decision per approver per level).
bool has_decided(const request& r, std::string_view person, std::size_t k);
// The person appears in some level of approvers.
bool is_approver(const request& r, std::string_view person);
// The person appears in level k.
bool is_approver_at(const request& r, std::string_view person, std::size_t k);
// The approvers of level k who have not decided yet.
std::vector<std::string> undecided_approvers(const request& r, std::size_t k);
// The last denial, if any (who and why), for messages like "denied by bob: not now".
const decision_record* last_denial(const request& r);

}  // namespace gatehouse::policy
