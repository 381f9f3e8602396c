#pragma once
// The admin API's audit routes, reading the configured log and its rotated files:
//
//   GET /v1/audit?person=&server=&event=&since=&until=&request=&session=&emergency=1&limit=
//       the matching events, oldest first, as a JSON array of the log's objects
//   GET /v1/audit/verify
//       {"intact", "lines", "first_seq", "last_seq", "last_hash", "file", "line", "problem",
//        "summary"}
#include <optional>
#include <string>

#include "admin/http_types.hpp"

namespace gatehouse::admin {

// nullopt when the path is not an audit route.
std::optional<http_reply> handle_audit_route(const std::string& log_path,
                                             const http_request& request);

}  // namespace gatehouse::admin
