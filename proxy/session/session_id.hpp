#pragma once
// Session ids that stay unique across the daemons sharing one store (issue 16: `gatehouse
// sessions` lists every node's sessions and `gatehouse kill ID` finds the node by the id):
// PROTOCOL-PREFIX-N, where each front end draws PREFIX once, 12 random hex digits (48 bits:
// two daemons' prefixes collide with odds of one in 2^48), and N counts its sessions.
// Header-only; no state.
#include <random>
#include <string>

namespace gatehouse::proxy::session {

inline std::string unique_id_prefix() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 12; ++i) out += hex[rd() % 16];
  return out;
}

}  // namespace gatehouse::proxy::session
