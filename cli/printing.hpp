#pragma once
// Human-readable output of the CLI: aligned tables and key/value blocks.
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace gatehouse::cli {

// Prints rows under a header, each column as wide as its widest cell.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

// A JSON scalar as text ("-" for null/missing).
std::string text_of(const boost::json::value* v);

void print_status(const boost::json::value& status);
void print_requests(const boost::json::value& list);
void print_request(const boost::json::value& request);          // every field, decisions, comments
void print_request_outcome(const boost::json::value& request);  // one line: "request #7 approved …"
void print_grants(const boost::json::value& list);
void print_grant_outcome(const boost::json::value& grant);
void print_http_token(const boost::json::value& issued);  // the token, then how to send it
void print_sessions(const boost::json::value& list);
void print_trusted_ca_keys(const boost::json::value& answer);  // `ca export`

}  // namespace gatehouse::cli
