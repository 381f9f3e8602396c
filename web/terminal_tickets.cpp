#include "web/terminal_tickets.hpp"

#include "approval/secrets.hpp"

namespace gatehouse::web {

std::string grant_end_sentence(std::int64_t grant, const std::string& revoked_by) {
  auto text = "access grant #" + std::to_string(grant) + " ended";
  if (!revoked_by.empty()) text += ": revoked by " + revoked_by;
  return text;
}

std::string terminal_tickets::issue(terminal_target t, steady::time_point now) {
  // Expired tickets go on the way: the map holds at most a minute of page loads.
  std::erase_if(tickets_, [now](const auto& kv) { return kv.second.expires <= now; });
  auto selector = std::to_string(++counter_) + approval::random_base64url(6);
  auto secret = approval::random_base64url(32);
  tickets_.emplace(selector, entry{approval::sha256_hex(secret), now + lifetime, std::move(t)});
  return selector + "." + secret;
}

std::optional<terminal_target> terminal_tickets::redeem(std::string_view ticket,
                                                        steady::time_point now) {
  auto dot = ticket.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == ticket.size()) return std::nullopt;
  auto it = tickets_.find(ticket.substr(0, dot));
  if (it == tickets_.end()) return std::nullopt;
  auto found = std::move(it->second);
  tickets_.erase(it);  // single use, whether it matched or not
  if (found.expires <= now ||
      !approval::equal_secrets(found.secret_hash, approval::sha256_hex(ticket.substr(dot + 1))))
    return std::nullopt;
  return std::move(found.target);
}

}  // namespace gatehouse::web
