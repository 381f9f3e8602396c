#pragma once
// One action on a request, typed, and how the named arguments of the admin API's
// `POST /v1/requests/ID/ACTION` body and of the web's forms become one. Both read the same
// names, so both refuse a bad argument with the same words.
//
//   approve   comment?, duration? (30m, 2h, 1d, ...), until? (RFC 3339)
//   deny      comment?
//   cancel
//   comment   text (required, not empty)
//   reassign  to (required)
//   fulfil    evidence (required: what was done), for a manual resource
//   fulfil_failed  comment (required: why it could not be done)
//
// Plain values and a pure function; any thread.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "policy/access_service.hpp"
#include "policy/result.hpp"

namespace gatehouse::operations {

struct approve_action {
  policy::approval options;  // admin_override is the actor's to set (operations::service)
};
struct deny_action {
  std::string comment;
};
struct cancel_action {};
struct comment_action {
  std::string text;
};
struct reassign_action {
  std::string to;  // who takes over the actor's part
};
struct fulfil_action {
  bool failed = false;
  std::string text;  // the evidence, or why it failed
};
using request_action = std::variant<approve_action, deny_action, cancel_action, comment_action,
                                    reassign_action, fulfil_action>;

// The value of the argument `name`: nullopt when absent, an error (code invalid, one line)
// when present but not text.
using argument_reader =
    std::function<policy::result<std::optional<std::string>>(std::string_view name)>;

// The argument "duration" (30m, 2h, 1d, ...), nullopt when absent; invalid when malformed.
policy::result<std::optional<std::chrono::seconds>> duration_argument(const argument_reader& read);

// The action `name` with its arguments read from `read`. Errors: not_found for an unknown
// action ("no such action: NAME"), invalid for a missing or malformed argument (the message
// says which). The comment is read first, whatever the action.
policy::result<request_action> parse_request_action(std::string_view name,
                                                    const argument_reader& read);

}  // namespace gatehouse::operations
