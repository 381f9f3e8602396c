#include "policy/result.hpp"

namespace gatehouse::policy {

std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::not_found: return "not_found";
    case error_code::refused: return "refused";
    case error_code::conflict: return "conflict";
    case error_code::invalid: return "invalid";
    case error_code::internal: return "internal";
  }
  return "internal";
}

}  // namespace gatehouse::policy
