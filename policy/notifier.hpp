#pragma once
// Whom the policy core tells about a request (SPEC "Mail"): the approvers due to act, the
// requester on each decision, every approver when emergency access is taken. The approval/
// module implements it with mail and signed links; log_notifier only logs.
//
// access_service calls it after the change is durable and audited, from whichever thread
// acted: implementations must be thread-safe, must not block for long (queue the mail) and
// must not call back into the service. Each call answers whether it was handed on (the mail
// durably queued); false leaves the notice owed, to be tried again (store.hpp). A notice may
// be told more than once (a daemon killed before it settled it): `once` names it
// (policy::notice_once_prefix), and each mail queued for it carries `once` + recipient, so
// that the outbox keeps one ("" when there is no stored notice).
#include <string>
#include <string_view>
#include <vector>

#include "policy/request.hpp"
#include "policy/request_transitions.hpp"

namespace gatehouse::policy {

class notifier {
 public:
  virtual ~notifier() = default;
  // `people` of level `level` (0-based) are due to decide request `r`.
  virtual bool ask_approvers(const request& r, std::size_t level,
                             const std::vector<std::string>& people, std::string_view once) = 0;
  // `what` happened to the requester's request (approved, denied, expired, cancelled,
  // grant revoked), by `by` ("" for the clock) with `comment`.
  virtual bool tell_requester(const request& r, happening_kind what, const std::string& by,
                              const std::string& comment, std::string_view once) = 0;
  // Emergency access was taken; `approvers` are all the approvers of the request.
  virtual bool tell_emergency(const request& r, const std::vector<std::string>& approvers,
                              std::string_view once) = 0;
  // The approved manual request `r` is a task for `fulfillers` (policy/fulfilment.hpp). Those
  // that do not mail only log it.
  virtual bool ask_fulfillers(const request& r, const std::vector<std::string>& fulfillers,
                              std::string_view once);
};

class log_notifier final : public notifier {
 public:
  bool ask_approvers(const request& r, std::size_t level, const std::vector<std::string>& people,
                     std::string_view once) override;
  bool tell_requester(const request& r, happening_kind what, const std::string& by,
                      const std::string& comment, std::string_view once) override;
  bool tell_emergency(const request& r, const std::vector<std::string>& approvers,
                      std::string_view once) override;
};

}  // namespace gatehouse::policy
