#pragma once
// What the signed-in person may ask for on /requests/new (web/request_new_page.cpp): every
// target - ACCOUNT@SERVER, or SERVER alone for RDP, web and manual servers - for which a rule would take
// a request from them (the policy's decide() over no grants says approval_needed or
// justification_needed), with that rule's terms and the approvers it proposes
// (policy::proposed_levels: the people a requester_chooses_approvers rule lets them choose
// among). Filing still goes through the operations API, which decides again; this only
// chooses what the form offers.
// Pure functions of the configuration, the person and the time; any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "policy/decision.hpp"

namespace gatehouse::web {

struct request_choice {
  policy::target target;  // the person, server, account ("" but for SSH), protocol
  policy::rule_terms terms;
  bool needs_approval = false;                 // approve; else justify (a reason is enough)
  std::vector<policy::approver_level> levels;  // who decides; empty for justify
  std::string name() const;                    // "root@web01", or "win01"
};

// In the configuration's order of servers and accounts.
std::vector<request_choice> request_choices(const config::config& cfg, const std::string& person,
                                            time_point now);

// The choice named `name` ("root@web01"), or null.
const request_choice* find_choice(const std::vector<request_choice>& choices,
                                  std::string_view name);

// Every approver of every level, once each, in order: whom the requester may choose.
std::vector<std::string> choosable_approvers(const request_choice& c);

// A time from the form as RFC 3339: "2026-12-08T09:30[:00]" (what <input type="datetime-local">
// sends; read as UTC, as the form says) gets its "Z"; RFC 3339 and "+2h" pass as they are;
// empty stays empty (the default applies).
std::string utc_from_form(std::string_view value);

}  // namespace gatehouse::web
