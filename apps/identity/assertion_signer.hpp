#pragma once
// STAND-IN (lead): replaced by the `identity` branch's header at merge.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/time.hpp"

namespace gatehouse::apps {
struct assertion_claims {
  std::string issuer, audience, subject, email;
  std::optional<std::int64_t> grant_id;
  time_point issued, expires;
};
class assertion_signer {
 public:
  static std::variant<std::unique_ptr<assertion_signer>, std::string> load(const std::string&);
  static std::unique_ptr<assertion_signer> generate();
  std::string sign(const assertion_claims& c) const;
  std::string jwks() const;
};
}  // namespace gatehouse::apps
