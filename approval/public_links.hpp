#pragma once
// approval::links over the HTTPS listener's public URL: approval links are fresh tokens in the
// token_store; request pages are plain paths (they ask for sign-in).
#include "approval/links.hpp"
#include "approval/token_store.hpp"

namespace gatehouse::approval {

class public_links final : public links {
 public:
  // `public_url` without a trailing slash matters not: it is trimmed.
  public_links(token_store& tokens, std::string public_url, const clock& clk);

  // "" (and an error logged) when the store cannot keep the token: a mail without a link is
  // better than no mail.
  std::string approval_url(std::int64_t request_id, const std::string& approver,
                           time_point expires) override;
  std::string request_url(std::int64_t request_id) override;

 private:
  token_store& tokens_;
  std::string base_;
  const clock& clock_;
};

}  // namespace gatehouse::approval
