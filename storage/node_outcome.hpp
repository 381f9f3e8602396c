#pragma once
// The text of a kill order's outcome in the kill_orders table, shared by both backends.
#include <string_view>

#include "nodes/node_store.hpp"

namespace gatehouse::storage {

inline std::string_view outcome_text(nodes::kill_outcome o) {
  switch (o) {
    case nodes::kill_outcome::killed: return "killed";
    case nodes::kill_outcome::unknown_session: return "unknown";
    case nodes::kill_outcome::pending: break;
  }
  return "pending";
}

inline nodes::kill_outcome parse_outcome(std::string_view text) {
  if (text == "killed") return nodes::kill_outcome::killed;
  if (text == "unknown") return nodes::kill_outcome::unknown_session;
  return nodes::kill_outcome::pending;
}

}  // namespace gatehouse::storage
