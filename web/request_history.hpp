#pragma once
// Request history for auditors: the filters of /audit/requests and each request as a table
// row or a CSV row (who asked, for what, why, what became of it, who decided, with comments).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/request.hpp"
#include "policy/store.hpp"

namespace gatehouse::web {

struct request_history_filter {
  policy::request_filter store;  // requester, server, state
  bool emergency_only = false;
  std::optional<policy::request_id> id;
};

// From a URL query (person, server, state, emergency=1, request); nullopt with `error`.
std::optional<request_history_filter> request_history_filter_from(std::string_view url_query,
                                                                  std::string& error);
bool matches(const request_history_filter& f, const policy::request& r);

// "bob (approve): ok; carol (deny)" in decision order.
std::string decided_by(const policy::request& r);

// One comment or other kept step as plain text: "bob: on it", "revoked by bob: done",
// "reassigned by bob: bob -> dave", "grant ended".
std::string record_text(const policy::comment_record& c);

std::string request_csv_header();
std::string request_csv_row(const policy::request& r);

}  // namespace gatehouse::web
