#include "policy/async/request_tally.hpp"

namespace gatehouse::policy {

void request_tally::seed(const std::vector<request>& pending) {
  for (const auto& r : pending)
    if (r.state == request_state::pending) pending_.insert(r.id);
}

void request_tally::filed(const request& r) {
  ++filed_;
  if (r.state == request_state::pending)
    pending_.insert(r.id);
  else
    ++ended_[r.state];
}

void request_tally::decided(const request& r) {
  if (r.state != request_state::pending && pending_.erase(r.id) > 0) ++ended_[r.state];
}

request_counts request_tally::counts() const {
  request_counts out;
  out.pending = pending_.size();
  out.filed = filed_;
  for (auto s : {request_state::approved, request_state::denied, request_state::expired,
                 request_state::cancelled}) {
    auto it = ended_.find(s);
    out.ended[std::string(to_string(s))] = it == ended_.end() ? 0 : it->second;
  }
  return out;
}

}  // namespace gatehouse::policy
