#include "approval/public_links.hpp"

#include <spdlog/spdlog.h>

#include "core/web_text.hpp"

namespace gatehouse::approval {

public_links::public_links(token_store& tokens, std::string public_url, const clock& clk)
    : tokens_(tokens), base_(std::move(public_url)), clock_(clk) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

std::string public_links::approval_url(std::int64_t request_id, const std::string& approver,
                                       time_point expires) {
  token_record r;
  r.kind = token_kind::approval;
  r.person = approver;
  r.request_id = request_id;
  r.expires = expires;
  auto token = tokens_.issue(r, clock_.now());
  if (!token) {
    spdlog::error("approval link for request #{} ({}): {}", request_id, approver, token.message());
    return {};
  }
  return base_ + "/approvals/" + *token;
}

std::string public_links::request_url(std::int64_t request_id) {
  return base_ + "/requests/" + std::to_string(request_id);
}

std::string public_links::terminal_url(const std::string& server, const std::string& account) {
  if (!terminal_) return {};
  return base_ + "/terminal/" + url_encode(server) + "/" + url_encode(account);
}

std::string public_links::files_url(const std::string& server, const std::string& account) {
  if (!files_) return {};
  return base_ + "/sftp/" + url_encode(server) + "/" + url_encode(account);
}

}  // namespace gatehouse::approval
