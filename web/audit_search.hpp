#pragma once
// The audit pages' search: the filters of a query string (the names `gatehouse audit` uses:
// person, server, event, since, until, request, session, emergency), bounded by a row limit,
// and the query strings that carry them on to the next page or the CSV download.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/query.hpp"

namespace gatehouse::web {

struct audit_search {
  // The filters given (non-empty values only), in a fixed order, for links and the form.
  std::vector<std::pair<std::string, std::string>> filters;
  audit::query query;  // query.limit is the row limit
  std::string value(std::string_view key) const;
  // "person=alice&emergency=1" plus `extra` ("limit=400"), for a link.
  std::string query_string(std::string_view extra = {}) const;
};

// From a URL query ("person=alice&since=2026-11-22&limit=400"). Times are RFC 3339, or a date
// (2026-11-22, midnight UTC), or what a datetime-local field sends (2026-11-22T10:30, UTC).
// The limit defaults to `default_limit` and is capped at `most`. nullopt with `error` when a
// filter is malformed.
std::optional<audit_search> audit_search_from(std::string_view url_query, std::size_t default_limit,
                                              std::size_t most, std::string& error);

// "2026-11-22" -> "2026-11-22T00:00:00Z", "2026-11-22T10:30" -> "2026-11-22T10:30:00Z";
// anything else unchanged.
std::string complete_time(std::string_view text);

}  // namespace gatehouse::web
