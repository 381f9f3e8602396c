#pragma once
// What an approver's reply to an approval mail says (SPEC "Mail", approval by reply): from the
// raw RFC 5322 bytes of one message, the token it answers, who sent it, whether the receiving
// server vouched for that sender, and the decision on its first line.
//
//  - token: the approval mail's Reply-To is LOCAL+TOKEN@DOMAIN (mail.reply_to, else mail.from)
//    and its subject carries "[GH-TOKEN]"; the reply counts only when an address in
//    Delivered-To, To or Cc and its Subject carry the same token (one token, no other);
//  - from: the one mailbox of From: (several, none or a group: nothing is believed);
//  - authenticated: the topmost Authentication-Results header only, and only when its
//    authserv-id is mail.trusted_authserv_id, says dmarc=pass (header.from, if given, being the
//    From domain) or dkim=pass with header.d (and header.i, if given) aligned with the From
//    domain (equal to it, or a parent domain of it);
//  - verdict: the first non-empty line of the text/plain body that is neither quoted ('>')
//    nor an attribution ("On ... wrote:") starts with the word APPROVE, DENY or DISAPPROVE
//    (any case); the rest of that line is the comment.
// `problem` is the first reason the reply decides nothing, as a sentence for the reply mail
// ("" when all of the above hold). Whether the token is usable, its approver is this From
// address and the rule lets a reply decide is mail_service's question, not this one's.
//
// Pure; the input is anyone's bytes: sizes are capped, nothing is assumed to be UTF-8, and
// nothing here throws on bad input (fuzz/reply_reader.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace gatehouse::mail {

// Larger messages are not read (a reply is a few KiB).
constexpr std::size_t max_reply_bytes = 256 * 1024;
// The longest comment kept (longer ones are cut).
constexpr std::size_t max_reply_comment = 1000;

struct reply_settings {
  std::string reply_address;  // LOCAL@DOMAIN: mail.reply_to, else mail.from
  std::string trusted_authserv_id;
};

enum class reply_verdict { none, approve, deny };

struct mail_reply {
  std::string message_id;  // without <>, capped; "" when there is none
  std::string from;        // the From addr-spec (domain lowercased); "" unless exactly one
  std::string token;       // "" unless the address's and the subject's agree
  bool authenticated = false;
  std::string authentication;  // the trusted header's results, for the audit ("" if none)
  reply_verdict verdict = reply_verdict::none;
  std::string comment;
  std::string problem;  // "" when the reply may decide
};

mail_reply read_reply(std::string_view raw, const reply_settings& settings);

// The address a reply to `token` goes to: LOCAL+TOKEN@DOMAIN; "" when `reply_address` has
// no '@'.
std::string tokened_address(std::string_view reply_address, std::string_view token);
// The marker the subject carries: "[GH-TOKEN]".
std::string subject_marker(std::string_view token);

}  // namespace gatehouse::mail
