#pragma once
// The sentences a person sees from the SSH front end: hold status lines, refusals, grant
// warnings and ends (SPEC "SSH": "denied by <approver>", "ended", "revoked by <who>",
// "timed out"). All ASCII, because OpenSSH shows banners through strnvis and would print
// other bytes as octal escapes. Pure functions.
#include <chrono>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "proxy/session/gate.hpp"
#include "proxy/session/refusal.hpp"

namespace gatehouse::proxy::ssh {

using session::grant_status;
using session::request_state;
using session::request_status;

// Printable ASCII only (plus '\n' when `keep_newlines`): control characters and bytes that are
// not UTF-8 shown as escapes (\x1B, \n; a tab is a space), any other character as one '?'.
std::string ascii_only(std::string_view text, bool keep_newlines = false);

// "root@web01"
std::string target_text(const session::target& t);

// "Request #42 is waiting for approval by bob, carol (2m10s) ..."
std::string hold_status_line(const request_status& r, std::chrono::seconds waited);

// Why a held connection ends without access: "Request #42 denied by bob: not now",
// "Request #42 expired without a decision", "Request #42 was cancelled".
std::string request_outcome_text(const request_status& r);

// "Request #42 timed out after 10m waiting for approval; it stays pending: connect again
// once it is approved"
std::string hold_timeout_text(std::int64_t request_id, std::chrono::seconds waited);

// "Access grant #12 for root@web01 ended at 17:30 UTC" / "... revoked by bob at 17:30 UTC"
std::string grant_end_text(const grant_status& g, const session::target& t);

// "Access grant #12 for root@web01 ends in 5 minutes (17:30 UTC)"
std::string grant_warning_text(std::int64_t grant, const session::target& t, std::chrono::minutes left,
                               time_point end);

// What the person is told when the hold refuses them (SPEC "SSH": "denied by <approver>",
// "timed out"); `justified`: they gave a justification first.
std::string refusal_text(const session::refusal& r, const session::target& t, bool justified);

// Why a new session is turned away while the audit log cannot be written
// (audit.on_write_failure: refuse).
inline constexpr const char* audit_unavailable =
    "Gatehouse cannot record sessions right now (audit log unavailable); new sessions are "
    "refused. Please tell the Gatehouse administrators.";

// "Justification for root@web01: "
std::string justification_prompt(const session::target& t);

// The banner sent before asking for a justification, which batch clients cannot answer;
// `gate` is the "ADDRESS:PORT" the person connected to (for the `ssh ... request` hint).
std::string justification_banner(const session::target& t, std::string_view gate);

}  // namespace gatehouse::proxy::ssh
