#pragma once
// One-time tickets for the browser terminal's WebSocket (issue 18): the terminal page POSTs
// for one (CSRF-protected, as the signed-in person) and opens /terminal/ws?t=TICKET with it, so
// the upgrade never rests on the session cookie alone. A ticket is bound to the person, the
// server and the account, lives 60 seconds and is used up by its first redemption, matching or
// not. Each is "SELECTOR.SECRET" (32 random bytes); only the SHA-256 of the secret is kept, and
// it is compared in constant time. In memory: a restart forgets them (the page asks again).
//
// io_context thread only (the web app issues, the terminal front end redeems).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::web {

struct terminal_target {
  std::string person, server, account;
};

// Why a terminal ends or is refused when its grant is over: "access grant #12 ended", "access
// grant #12 ended: revoked by bob" (the ticket endpoint's 403 and the socket's close frame).
std::string grant_end_sentence(std::int64_t grant, const std::string& revoked_by);

class terminal_tickets {
 public:
  using steady = std::chrono::steady_clock;
  static constexpr std::chrono::seconds lifetime{60};

  std::string issue(terminal_target t, steady::time_point now);
  // What `ticket` was issued for, if it is known, fresh and matches; used up either way.
  std::optional<terminal_target> redeem(std::string_view ticket, steady::time_point now);
  std::size_t pending() const { return tickets_.size(); }

 private:
  struct entry {
    std::string secret_hash;  // sha256_hex of the secret
    steady::time_point expires;
    terminal_target target;
  };
  std::map<std::string, entry, std::less<>> tickets_;
  std::uint64_t counter_ = 0;
};

}  // namespace gatehouse::web
