#include "policy/store_reachability.hpp"

namespace gatehouse::policy {

store_reachability::change store_reachability::observe(bool ok) {
  if (ok == reachable_) return change::none;
  reachable_ = ok;
  if (ok) return change::back;
  ++outages_;
  return change::lost;
}

std::string_view to_string(store_reachability::change c) {
  switch (c) {
    case store_reachability::change::none: return "none";
    case store_reachability::change::lost: return "lost";
    case store_reachability::change::back: return "back";
  }
  return "none";
}

}  // namespace gatehouse::policy
