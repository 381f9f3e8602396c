#pragma once
// Connections the gate refused since start, by protocol and deny reason: what /metrics shows as
// gatehouse_connections_refused_total{protocol, reason}. The reason is the same snake_case label
// as the audit field `reason` of `access.denied` and `upstream.failure` (deny_reason.hpp), so a
// dashboard and an audit search name a refusal alike. Counted from the front ends' events
// (audit_events.hpp), kept in memory: a scrape never reads the store or the log.
//
// Thread-safety: count() runs on the io thread, prometheus() wherever the web app answers; one
// mutex.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace gatehouse::proxy::session {

class refusal_tally {
 public:
  void count(std::string_view protocol, std::string_view reason);
  // The metric's Prometheus text (HELP, TYPE and one line per protocol and reason seen),
  // labelled with `instance`.
  std::string prometheus(const std::string& instance) const;
  std::uint64_t total() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> counts_;
};

}  // namespace gatehouse::proxy::session
