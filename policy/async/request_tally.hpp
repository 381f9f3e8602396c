#pragma once
// request_tally: how many requests are pending, and how many were filed and ended since start,
// kept in memory as the change feed tells it, for /metrics (a scrape never scans the store).
// gate_service seeds it once with the pending requests at start, then hands it every request
// the feed reports filed or decided - this daemon's changes and those of daemons sharing the
// store alike. Pure bookkeeping; one thread (the io thread, as gate_service).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "policy/request.hpp"

namespace gatehouse::policy {

struct request_counts {
  std::size_t pending = 0;                     // now
  std::uint64_t filed = 0;                     // since start
  std::map<std::string, std::uint64_t> ended;  // since start, by state ("approved", ...)
};

class request_tally {
 public:
  void seed(const std::vector<request>& pending);
  // A request the feed reports filed (pending, or already approved by a rule).
  void filed(const request& r);
  // A request the feed reports decided: it leaves the pending ones once it is no longer pending.
  void decided(const request& r);
  request_counts counts() const;

 private:
  std::unordered_set<request_id> pending_;
  std::uint64_t filed_ = 0;
  std::map<request_state, std::uint64_t> ended_;
};

}  // namespace gatehouse::policy
