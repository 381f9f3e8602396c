// read_filing_arguments: named text arguments -> the window and approvers of a filing
// (filing_arguments.hpp).
#include "operations/filing_arguments.hpp"

#include "core/duration.hpp"

namespace gatehouse::operations {

using policy::error_code;
using policy::make_error;

namespace {

policy::error bad(std::string message) {
  return make_error(error_code::invalid, std::move(message));
}

// RFC 3339, or "+2h" from now.
policy::result<time_point> start_time(const std::string& text, time_point now) {
  if (text.starts_with("+")) {
    auto offset = parse_duration(std::string_view(text).substr(1));
    if (!offset) return bad("bad start '" + text + "' (use +30m, +2h, or an RFC 3339 time)");
    return now + *offset;
  }
  auto at = parse_rfc3339(text);
  if (!at) return bad("bad start '" + text + "' (use an RFC 3339 time or +2h)");
  return *at;
}

}  // namespace

std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

policy::result<void> read_filing_arguments(const argument_reader& read, time_point now,
                                           policy::filing& f) {
  auto start = read("start");
  if (!start) return start.err();
  if (*start) {
    auto at = start_time(**start, now);
    if (!at) return at.err();
    f.start = *at;
  }
  auto duration = duration_argument(read);
  if (!duration) return duration.err();
  f.duration = *duration;
  auto until = read("until");
  if (!until) return until.err();
  if (*until) {
    f.until = parse_rfc3339(**until);
    if (!f.until) return bad("bad time '" + **until + "' (use RFC 3339)");
  }
  auto title = read("title");
  if (!title) return title.err();
  if (*title) {
    if ((*title)->size() > policy::max_title_bytes)
      return bad("title: at most " + std::to_string(policy::max_title_bytes) + " bytes");
    f.title = **title;
  }
  auto approvers = read("approvers");
  if (!approvers) return approvers.err();
  if (*approvers) {
    f.chosen_approvers = split_names(**approvers);
    if (f.chosen_approvers.empty()) return bad("approvers: name at least one person");
  }
  return {};
}

}  // namespace gatehouse::operations
