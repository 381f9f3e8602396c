// Fuzz harness: mail/reply_reader, the reader of approvers' replies (anyone's mail reaches the
// inbox). Input: the raw message bytes.
//
// Contract checked: read_reply never throws or crashes whatever the bytes; a reply that may
// decide (problem "") has a token of token characters, exactly one From address with an '@',
// authenticated set and a verdict; a comment is at most max_reply_comment bytes and holds no
// line break; a token is only ever reported when the subject carries its marker; reading
// the same bytes twice gives the same result (no hidden state).
#include "mail/reply_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const mail::reply_settings settings{"approvals@gate.example", "mx.gate.example"};
  const mail::mail_reply r = mail::read_reply(raw, settings);

  fuzz::require(r.comment.size() <= mail::max_reply_comment, "the comment is capped");
  fuzz::require(r.comment.find_first_of("\r\n") == std::string::npos, "the comment is one line",
                r.comment);
  for (char c : r.token)
    fuzz::require((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_',
                  "a token has only token characters", r.token);
  if (!r.token.empty())
    fuzz::require(raw.find(mail::subject_marker(r.token)) != std::string_view::npos ||
                      raw.find("=?") != std::string_view::npos,
                  "a token comes with its subject marker", r.token);
  if (r.problem.empty()) {
    fuzz::require(!r.token.empty(), "a deciding reply has a token");
    fuzz::require(r.from.find('@') != std::string::npos, "a deciding reply has a From address");
    fuzz::require(r.authenticated, "a deciding reply is authenticated");
    fuzz::require(r.verdict != mail::reply_verdict::none, "a deciding reply has a verdict");
  }
  const mail::mail_reply again = mail::read_reply(raw, settings);
  fuzz::require(again.problem == r.problem && again.token == r.token && again.from == r.from &&
                    again.comment == r.comment && again.verdict == r.verdict,
                "reading twice gives the same result");
  return 0;
}
