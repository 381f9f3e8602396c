#pragma once
// The few IMAP commands approval by reply needs (SPEC "Mail", mail.inbox), over libcurl:
// the UIDs of the unseen messages of the mailbox, one message's raw bytes, and marking a
// message \Seen once it was handled. Each call is one short connection (imaps://, or imap://
// to this host for tests), bounded by timeouts; a message larger than max_reply_bytes is
// fetched only up to that size and reported as `oversized`.
//
// Blocking: only the inbox reader's thread calls these, never the io thread.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace gatehouse::mail {

struct imap_result {
  std::string error;  // "" on success: libcurl's reason otherwise
};

struct unseen_result : imap_result {
  std::vector<std::uint64_t> uids;
};

struct fetch_result : imap_result {
  std::string raw;
  bool oversized = false;
};

unseen_result imap_unseen(const config::mail_settings& s);
fetch_result imap_fetch(const config::mail_settings& s, std::uint64_t uid);
imap_result imap_mark_seen(const config::mail_settings& s, std::uint64_t uid);

// "* SEARCH 3 4 9" lines (as the server answered) → their numbers.
std::vector<std::uint64_t> parse_search_reply(const std::string& text);

}  // namespace gatehouse::mail
