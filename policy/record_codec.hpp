#pragma once
// JSON text for the nested parts of a request (approver levels, decisions, comments), as the
// stores keep them in one column each. Stable format:
//   levels:    [{"approvers": ["bob", "carol"], "condition": "any"}, ...]
//   decisions: [{"approver": "bob", "verdict": "approve", "comment": "", "at": MS,
//                "level": 0, "admin": false}, ...]
//   comments:  [{"author": "alice", "text": "...", "at": MS, "kind": K}, ...]
//              K (record_kind: "reassigned", "revoked", "grant_ended") only when not a comment
//   targets:   [{"server": "web02", "account": "deploy", "grant": ID}, ...]  (the targets after a
//              request's first; "grant" once granted)
// where MS is milliseconds since the Unix epoch. Decoding rejects anything else (nullopt).
//
// Pure functions; may throw std::bad_alloc only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/request.hpp"

namespace gatehouse::policy::codec {

std::string encode_levels(const std::vector<approver_level>& levels);
std::string encode_decisions(const std::vector<decision_record>& decisions);
std::string encode_comments(const std::vector<comment_record>& comments);
std::string encode_targets(const std::vector<request_target>& targets);

std::optional<std::vector<approver_level>> decode_levels(std::string_view json);
std::optional<std::vector<decision_record>> decode_decisions(std::string_view json);
std::optional<std::vector<comment_record>> decode_comments(std::string_view json);
std::optional<std::vector<request_target>> decode_targets(std::string_view json);

std::int64_t to_millis(time_point t);
time_point from_millis(std::int64_t ms);

}  // namespace gatehouse::policy::codec
