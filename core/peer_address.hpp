#pragma once
// The address part of a peer as Gatehouse writes it ("10.0.0.1:5555" -> "10.0.0.1",
// "[::1]:5555" -> "::1"): the key of per-source limits.
#include <string>

namespace gatehouse {

std::string source_address(const std::string& peer);

}  // namespace gatehouse
