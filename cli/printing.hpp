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

}  // namespace gatehouse::cli
