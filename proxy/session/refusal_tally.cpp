#include "proxy/session/refusal_tally.hpp"

namespace gatehouse::proxy::session {

namespace {
// A label value as Prometheus text reads it (the labels are ours, but stay safe).
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

void refusal_tally::count(std::string_view protocol, std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++counts_[{std::string(protocol), std::string(reason)}];
}

std::string refusal_tally::prometheus(const std::string& instance) const {
  std::string out =
      "# HELP gatehouse_connections_refused_total Connections refused since start, by protocol "
      "and deny reason (the audit field reason).\n"
      "# TYPE gatehouse_connections_refused_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, n] : counts_)
    out += "gatehouse_connections_refused_total{instance=\"" + label_value(instance) +
           "\",protocol=\"" + label_value(key.first) + "\",reason=\"" + label_value(key.second) +
           "\"} " + std::to_string(n) + "\n";
  return out;
}

std::uint64_t refusal_tally::total() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [key, count] : counts_) n += count;
  return n;
}

}  // namespace gatehouse::proxy::session
