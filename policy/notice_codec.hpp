#pragma once
// The text form of a notification owed by a change (policy::notification), as the store keeps
// it beside the change (store.hpp: write_batch::notices, owed_notice), so that the notifier can
// be called for it again after the daemon that committed the change died before telling:
//   {"what": "ask_approvers" | "tell_requester" | "tell_emergency", "level": N,
//    "people": ["bob", ...], "about": "request.approved", "by": "bob", "comment": "..."}
// ("about" is the happening's audit name). Decoding rejects anything else (nullopt).
//
// Pure functions; may throw std::bad_alloc only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/request_transitions.hpp"

namespace gatehouse::policy {

std::string encode_notice(const notification& n);
std::optional<notification> decode_notice(std::string_view text);

// The key under which a notice's mails are queued at most once (mail/outbox.hpp), followed by
// the recipient: "notice-ID/". Empty for a notification that has no stored notice.
std::string notice_once_prefix(std::int64_t notice_id);

}  // namespace gatehouse::policy
