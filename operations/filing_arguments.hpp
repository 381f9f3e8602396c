#pragma once
// The named arguments of a filing that every front end reads alike: the admin API's
// `POST /v1/requests` body (`gatehouse request`) and the SSH `request` command. Both read the
// same names, so both refuse a bad argument with the same words.
//
//   title      a short name for the request (at most policy::max_title_bytes)
//   start      RFC 3339, or +DURATION counted from now (+2h): a window that begins later
//   duration   30m, 2h, 1d (from the start)
//   until      RFC 3339 (the end; not with duration)
//   approvers  comma-separated names ("bob,carol"), for rules with requester_chooses_approvers
//
// Whether the window fits the rule (max_duration) and whether the approvers may be chosen is
// the policy core's to say when the request is filed (access_service::file_request).
// Pure functions; any thread.
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "operations/request_action.hpp"
#include "policy/access_service.hpp"

namespace gatehouse::operations {

// Sets title, start, duration, until and chosen_approvers of `f` from `read`; invalid (one line
// naming the argument) when one is malformed. `now` is what "+2h" counts from.
policy::result<void> read_filing_arguments(const argument_reader& read, time_point now,
                                           policy::filing& f);

// "bob, carol,,dave" -> {"bob", "carol", "dave"} (spaces around names and empty items dropped).
std::vector<std::string> split_names(std::string_view text);

}  // namespace gatehouse::operations
