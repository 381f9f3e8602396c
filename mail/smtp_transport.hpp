#pragma once
// One mail to one recipient over SMTP with libcurl: smtp:// or smtps://, STARTTLS when asked
// (required, not opportunistic), AUTH with user/password when a user is set. Blocking: call it
// only from the mail sender's thread. Every wait is bounded (connect 10 s, each server reply
// 30 s, the whole transfer 60 s) and `abort` cuts it short within about a second (or, when
// the message is already uploaded, within 5 s: the server's reply decides whether it was sent).
#include <atomic>
#include <chrono>
#include <string>

#include "config/config.hpp"
#include "mail/outbox.hpp"

namespace gatehouse::mail {

// The longest one send_smtp() call takes (the whole transfer's bound): a sender that claims a
// message from a shared outbox must hold it longer than this.
inline constexpr std::chrono::milliseconds smtp_send_limit{60'000};

// Once per process, before any thread sends.
void init_smtp_transport();

// "" when the server accepted the mail, else why not (never containing the password).
std::string send_smtp(const config::mail_settings& settings, const outgoing_mail& mail,
                      const std::atomic<bool>& abort);

}  // namespace gatehouse::mail
