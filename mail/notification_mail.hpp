#pragma once
// What Gatehouse says by mail (SPEC "Mail"): the subject, a plain-text and an HTML body for
//   - an approver due to decide: subject exactly
//     "<instance_name> - Connection Approval Notification - #<id>", the request's facts and
//     the approve / deny links (or, without a web listener, the commands that decide);
//   - the requester, on each decision (approved, denied, expired, cancelled, revoked);
//   - every approver, when emergency access was taken;
//   - each fulfiller, when a request for a manual resource is approved; the requester when it
//     is fulfilled or failed.
// Both bodies carry the same facts; control characters a person wrote (a justification, a
// comment) are made visible, not sent (mime.hpp body_safe), and the HTML one escapes every value.
//
// Pure: the links are handed in (approval::links issues them), nothing is read or sent.
#include <cstddef>
#include <string>
#include <vector>

#include "policy/request.hpp"
#include "policy/request_transitions.hpp"

namespace gatehouse::mail {

struct mail_context {
  std::string instance_name;
  // How people reach the gate over SSH, for the "ssh bob@gate approve 42" hint: "gate" or
  // "-p 2222 gate.example.com". "" leaves the ssh hint out.
  std::string ssh_host;
};

struct mail_content {
  std::string subject;
  std::string text;  // '\n' line breaks
  std::string html;
};

// `approval_url` and `request_url` may be "" (no web listener). With a `reply_token`, the
// subject ends with its marker ("[GH-TOKEN]", mail/reply_reader.hpp) and the body says how to
// decide by replying.
mail_content approver_mail(const mail_context& ctx, const policy::request& r, std::size_t level,
                           const std::string& approver, const std::string& approval_url,
                           const std::string& request_url, const std::string& reply_token = {});

// `what` happened to the requester's request, by `by` ("" for the clock) with `comment`.
// A link offered in a mail: what it does, where.
struct mail_link {
  std::string label;
  std::string url;
};

// `open`: where the requester may use an approval from the browser (terminal, files), first
// among the mail's links.
mail_content decision_mail(const mail_context& ctx, const policy::request& r,
                           policy::happening_kind what, const std::string& by,
                           const std::string& comment, const std::string& request_url,
                           const std::vector<mail_link>& open = {});

// An approved request for a manual resource waits for its fulfillers; mail to one of them.
mail_content fulfiller_mail(const mail_context& ctx, const policy::request& r,
                            const std::string& request_url);

// Emergency access was taken; mail to one of the approvers.
mail_content emergency_mail(const mail_context& ctx, const policy::request& r,
                            const std::string& approver, const std::string& request_url);

// approval_url + "?decision=approve" (or "&…" when the URL has a query already).
std::string decision_link(const std::string& approval_url, policy::verdict v);

}  // namespace gatehouse::mail
