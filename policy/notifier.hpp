#pragma once
// Whom the policy core tells about a request (SPEC "Mail"): the approvers due to act, the
// requester on each decision, every approver when emergency access is taken. The approval/
// module implements it with mail and signed links; log_notifier only logs.
//
// access_service calls it after the change is durable and audited, from whichever thread
// acted: implementations must be thread-safe, must not block for long (queue the mail) and
// must not call back into the service.
#include <string>
#include <vector>

#include "policy/request.hpp"
#include "policy/request_transitions.hpp"

namespace gatehouse::policy {

class notifier {
 public:
  virtual ~notifier() = default;
  // `people` of level `level` (0-based) are due to decide request `r`.
  virtual void ask_approvers(const request& r, std::size_t level,
                             const std::vector<std::string>& people) = 0;
  // `what` happened to the requester's request (approved, denied, expired, cancelled,
  // grant revoked), by `by` ("" for the clock) with `comment`.
  virtual void tell_requester(const request& r, happening_kind what, const std::string& by,
                              const std::string& comment) = 0;
  // Emergency access was taken; `approvers` are all the approvers of the request.
  virtual void tell_emergency(const request& r, const std::vector<std::string>& approvers) = 0;
};

class log_notifier final : public notifier {
 public:
  void ask_approvers(const request& r, std::size_t level,
                     const std::vector<std::string>& people) override;
  void tell_requester(const request& r, happening_kind what, const std::string& by,
                      const std::string& comment) override;
  void tell_emergency(const request& r, const std::vector<std::string>& approvers) override;
};

}  // namespace gatehouse::policy
