#pragma once
// Approval by reply, the deciding half (SPEC "Mail"): one raw reply from the inbox
// (mail/inbox_reader) is read (mail/reply_reader), checked, decided through the operations API
// as the approver - exactly as their approval link would - answered and audited:
//   1. the reply must be well-formed and authenticated (reply_reader's `problem`);
//   2. its token must be a usable approval token (approval/token_store: single-use, expires
//      with the request) and its From: the token's approver's configured address;
//   3. the request's rule must allow this decision by reply (mail/reply_policy);
//   4. the token is consumed, then operations approve or deny as the approver with the comment.
// The sender (From:) gets a confirmation or a reply saying why nothing happened when it is a
// configured person's address or the trusted server vouched for it (a forged From: of a
// stranger is never answered: no backscatter); automatic mail (Auto-Submitted, Precedence
// bulk/list/junk), mail without one From address and our own addresses are never answered. Every
// reply is audited as `mail.reply` {message_id, from, outcome (approved | denied | refused),
// reason, and when known request, person, verdict, authentication}.
//
// Thread: the io_context's (the operations API's); called by the daemon with each message
// the inbox thread posts.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "approval/token_store.hpp"
#include "config/config.hpp"
#include "mail/mail_service.hpp"
#include "operations/operations.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::mail {

struct reply_decider_context {
  std::function<std::shared_ptr<const config::config>()> config;
  operations::service& operations;
  approval::token_store& tokens;
  policy::audit_sink& audit;
  mail_service& mail;
  const clock& clk;
};

struct reply_outcome {
  std::string outcome;  // "approved", "denied", "refused"
  std::string reason;   // why nothing was decided ("" when decided)
};

reply_outcome decide_by_reply(const reply_decider_context& ctx, std::string_view raw);

}  // namespace gatehouse::mail
