// parse_request_action: named text arguments -> a typed request_action (request_action.hpp).
#include "operations/request_action.hpp"

#include "core/duration.hpp"
#include "core/time.hpp"

namespace gatehouse::operations {

using policy::error_code;
using policy::make_error;

policy::result<std::optional<std::chrono::seconds>> duration_argument(const argument_reader& read) {
  auto text = read("duration");
  if (!text) return text.err();
  if (!*text) return std::optional<std::chrono::seconds>{};
  auto d = parse_duration(**text);
  if (!d)
    return make_error(error_code::invalid, "bad duration '" + **text + "' (use 30m, 2h, 1d, ...)");
  return d;
}

policy::result<request_action> parse_request_action(std::string_view name,
                                                    const argument_reader& read) {
  auto comment = read("comment");
  if (!comment) return comment.err();
  if (name == "approve") {
    approve_action a;
    a.options.comment = comment->value_or("");
    auto duration = duration_argument(read);
    if (!duration) return duration.err();
    a.options.duration = *duration;
    auto until = read("until");
    if (!until) return until.err();
    if (*until) {
      a.options.until = parse_rfc3339(**until);
      if (!a.options.until)
        return make_error(error_code::invalid, "bad time '" + **until + "' (use RFC 3339)");
    }
    return request_action{std::move(a)};
  }
  if (name == "deny") return request_action{deny_action{comment->value_or("")}};
  if (name == "cancel") return request_action{cancel_action{}};
  if (name == "comment") {
    auto text = read("text");
    if (!text) return text.err();
    if (!*text || (*text)->empty()) return make_error(error_code::invalid, "a comment needs text");
    return request_action{comment_action{std::move(**text)}};
  }
  if (name == "reassign") {
    auto to = read("to");
    if (!to) return to.err();
    if (!*to) return make_error(error_code::invalid, "reassign needs `to`");
    return request_action{reassign_action{std::move(**to)}};
  }
  if (name == "fulfil") {
    auto evidence = read("evidence");
    if (!evidence) return evidence.err();
    if (!*evidence || (*evidence)->empty())
      return make_error(error_code::invalid, "fulfil needs `evidence`: what was done");
    return request_action{fulfil_action{false, std::move(**evidence)}};
  }
  if (name == "fulfil_failed") {
    if (!*comment || (*comment)->empty())
      return make_error(error_code::invalid, "a failed fulfilment needs `comment`: why");
    return request_action{fulfil_action{true, std::move(**comment)}};
  }
  return make_error(error_code::not_found, "no such action: " + std::string(name));
}

}  // namespace gatehouse::operations
