#pragma once
// HTML fragments of a request shared by the approval page and the signed-in pages.
#include <functional>
#include <string>

#include "policy/grant.hpp"
#include "policy/request.hpp"

namespace gatehouse::web {

// <span class="badge STATE">state</span>
std::string state_badge(std::string_view state);
// The facts an approver decides on: requester, server, account, protocol, window,
// justification, emergency, state, approvers.
std::string request_facts(const policy::request& r);
// "bob approved at 2026-11-22 17:30 UTC: ok" for every decision; "" when none.
std::string decisions_text(const policy::request& r);
// Every event and comment in time order.
std::string timeline(const policy::request& r);
// One line per request, linking to its page; `actions` (may be empty) gives each row's last
// cell (buttons).
std::string request_table(const std::vector<policy::request>& rs, std::string_view empty_text,
                          const std::function<std::string(const policy::request&)>& actions = {});

}  // namespace gatehouse::web
