#pragma once
// The one sentence that refuses a filing without the justification its rule asks for (a
// `justify` rule, or an `approve` rule with `require_justification: true`), and how a front
// end's hold recognises that refusal so that it asks the person for a reason (SSH:
// keyboard-interactive) or refuses saying how to file one ahead (RDP, batch SSH clients).
// Header only; no state.
#include <string>
#include <string_view>

namespace gatehouse::policy {

inline constexpr std::string_view justification_required_prefix =
    "a justification is required for ";

// "a justification is required for root@web01"
inline std::string justification_required_text(std::string_view where) {
  return std::string(justification_required_prefix) + std::string(where);
}

inline bool is_justification_required(std::string_view message) {
  return message.substr(0, justification_required_prefix.size()) == justification_required_prefix;
}

}  // namespace gatehouse::policy
