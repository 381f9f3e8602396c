#pragma once
// Reading the audit log back: the filters of `gatehouse audit` (and of the web app's audit
// page), applied to the events of a chain's files, and the CSV export.
#include <boost/json/object.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace gatehouse::audit {

struct query {
  std::optional<std::string> person;  // person, requester or actor
  std::optional<std::string> server;
  std::optional<std::string> event;    // exact name, or a prefix ending in '*' ("sftp.*")
  std::optional<std::string> request;  // request or request_id
  std::optional<std::string> session;
  std::optional<time_point> since, until;  // since <= ts < until
  bool emergency_only = false;             // access.emergency and emergency requests
  std::size_t limit = 0;                   // the last `limit` matches; 0 = all
};

// From URL query parameters (person=…&since=…&emergency=1&limit=…); nullopt with `error`.
std::optional<query> query_from_parameters(
    const std::vector<std::pair<std::string, std::string>>& p, std::string& error);

bool matches(const query& q, const boost::json::object& event);

// The matching events of `files` in order. Lines that are not JSON objects are skipped
// (verify reports them). Empty `error` on success. With a limit the files are read from the
// end, so finding the newest few costs little however long the log is; without one, or when
// few events match, every line is read.
std::vector<boost::json::object> find_events(const std::vector<std::string>& files, const query& q,
                                             std::string& error);

// The export's columns: ts, seq, event, person (person, requester or actor), server, account,
// protocol, session, request (request or request_id), grant, reason, path, details (the other
// fields as JSON). The web's audit page shows the same values.
inline constexpr std::array<std::string_view, 13> columns = {
    "ts",      "seq",     "event", "person", "server", "account", "protocol",
    "session", "request", "grant", "reason", "path",   "details"};
std::array<std::string, columns.size()> column_values(const boost::json::object& event);

// CSV (RFC 4180): a header, then one row per event.
std::string csv_header();
std::string csv_row(const boost::json::object& event);
// One field, quoted when it holds a comma, quote, CR or LF, and prefixed with ' when it
// starts with = + - @ TAB or CR (a spreadsheet would run it as a formula).
std::string csv_field(std::string_view value);

}  // namespace gatehouse::audit
