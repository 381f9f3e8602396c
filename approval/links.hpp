#pragma once
// The seam between mail and the web app: mail asks for links, the web app (approval/ and
// web/) issues them and later honours them. Tokens behind the links are unguessable
// (>= 128 bits), single-use, bound to one approver and one request, expire with the request,
// and are stored only as a hash.
//
// Implementations must be thread-safe (the notifier calls them from whichever thread acted).
#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace gatehouse::approval {

class links {
 public:
  virtual ~links() = default;

  // A fresh link for `approver` to decide request `request_id`, valid until `expires`.
  // The page behind it offers Approve and Deny; a GET of it changes nothing.
  // Returns "" when no web listener is configured (mail then says how to decide by CLI/ssh).
  virtual std::string approval_url(std::int64_t request_id, const std::string& approver,
                                   time_point expires) = 0;

  // Where anyone concerned can read the request (requires sign-in). "" without a web listener.
  virtual std::string request_url(std::int64_t request_id) = 0;

  // Where the person with a grant for `account`@`server` opens a browser terminal on it, or
  // the file browser (both require sign-in and a live grant). "" when that is not served.
  virtual std::string terminal_url(const std::string& /*server*/, const std::string& /*account*/) {
    return {};
  }
  virtual std::string files_url(const std::string& /*server*/, const std::string& /*account*/) {
    return {};
  }
};

// Used when there is no HTTPS listener: no links at all.
class no_links final : public links {
 public:
  std::string approval_url(std::int64_t, const std::string&, time_point) override { return {}; }
  std::string request_url(std::int64_t) override { return {}; }
};

}  // namespace gatehouse::approval
