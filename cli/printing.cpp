#include "cli/printing.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace gatehouse::cli {

namespace json = boost::json;

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (std::size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      line += cell;
      if (i + 1 < width.size()) line += std::string(width[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

std::string text_of(const json::value* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

void print_status(const json::value& status) {
  const auto& o = status.as_object();
  for (const char* key : {"instance_name", "version", "pid", "config_file", "config_loaded_at",
                          "reloads", "uptime_seconds", "store"})
    std::printf("%-18s %s\n", key, text_of(o.if_contains(key)).c_str());
  if (const auto* l = o.if_contains("listeners"); l && l->is_object())
    for (const auto& [name, where] : l->as_object())
      std::printf("%-18s %s\n", ("listener " + std::string(name)).c_str(), text_of(&where).c_str());
}

}  // namespace gatehouse::cli
