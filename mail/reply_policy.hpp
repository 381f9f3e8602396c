#pragma once
// Which decisions an approver may make by replying to the approval mail (SPEC "Mail",
// rules[].reply_decisions): off (none; the default), all, or low-risk - a denial always, an
// approval only for a request that is not an emergency and whose window is at most the rule's
// default_duration. The rule is the request's (by name) in the configuration now in force; a
// rule since removed allows nothing. Replies are offered only while `mail.inbox` is set.
//
// Pure functions over the configuration and the request.
#include <string>

#include "config/config.hpp"
#include "mail/reply_reader.hpp"
#include "policy/request.hpp"

namespace gatehouse::mail {

// The approval mail for `r` carries a reply token (the inbox is read and its rule allows some
// decision by reply).
bool replies_offered(const config::config& c, const policy::request& r);

// "" when `verdict` may be made by reply on `r`, else why not (a sentence for the reply mail).
std::string reply_refusal(const config::config& c, const policy::request& r, reply_verdict verdict);

}  // namespace gatehouse::mail
