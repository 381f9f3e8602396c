#pragma once
// approval::links over the HTTPS listener's public URL: approval links are fresh tokens in the
// token_store; request pages are plain paths (they ask for sign-in).
#include <atomic>

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
  // "" until the web service says the browser terminal (files: web SFTP) is served.
  std::string terminal_url(const std::string& server, const std::string& account) override;
  std::string files_url(const std::string& server, const std::string& account) override;
  void serve_terminal(bool on) { terminal_ = on; }
  void serve_files(bool on) { files_ = on; }

 private:
  token_store& tokens_;
  std::string base_;
  const clock& clock_;
  std::atomic<bool> terminal_{false};
  std::atomic<bool> files_{false};
};

}  // namespace gatehouse::approval
