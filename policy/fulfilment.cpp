#include "policy/fulfilment.hpp"

#include <algorithm>

namespace gatehouse::policy {

std::string_view to_string(fulfilment_state f) {
  switch (f) {
    case fulfilment_state::none: return "none";
    case fulfilment_state::awaiting: return "awaiting";
    case fulfilment_state::fulfilled: return "fulfilled";
    case fulfilment_state::failed: return "failed";
  }
  return "none";
}

fulfilment_state fulfilment_of(const request& r) {
  if (r.protocol != config::protocol::manual) return fulfilment_state::none;
  for (const auto& c : r.comments) {
    if (c.kind == record_kind::fulfilled) return fulfilment_state::fulfilled;
    if (c.kind == record_kind::fulfilment_failed) return fulfilment_state::failed;
  }
  if (r.state != request_state::approved || r.post_approval == post_approval::denied)
    return fulfilment_state::none;
  return fulfilment_state::awaiting;
}

std::vector<std::string> fulfillers_of(const config::config& cfg, const request& r) {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto& rule : cfg.rules) {
    if (rule.name != r.rule) continue;
    for (const auto& p : rule.fulfillers) {
      if (p.what == config::principal::kind::name) {
        if (cfg.find_user(p.name)) add(p.name);
      } else if (p.what == config::principal::kind::group) {
        for (const auto& u : cfg.users)
          if (std::find(u.groups.begin(), u.groups.end(), p.name) != u.groups.end()) add(u.name);
      }
    }
    break;
  }
  return out;
}

}  // namespace gatehouse::policy
