#pragma once
// The admin API's audit routes, reading the configured log and its rotated files:
//
//   GET /v1/audit?person=&server=&event=&since=&until=&request=&session=&emergency=1&limit=
//       the matching events, oldest first, as a JSON array of the log's objects
//   GET /v1/audit/verify
//       {"intact", "lines", "first_seq", "last_seq", "last_hash", "checkpoints", "notes",
//        "file", "line", "problem", "summary"}
// Both read the log off the io thread (http_reply::off_thread): a large log must not stop
// every session while it is read.
#include <functional>
#include <optional>
#include <string>

#include "admin/http_types.hpp"
#include "audit/verify.hpp"

namespace gatehouse::admin {

// nullopt when the path is not an audit route. `verify_options` is asked (on the calling
// thread) for what a verify holds the log to.
std::optional<http_reply> handle_audit_route(
    const std::string& log_path, const http_request& request,
    const std::function<audit::verify_options()>& verify_options = {});

}  // namespace gatehouse::admin
