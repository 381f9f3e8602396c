// The hold as SSH shows it (see connection.hpp; the hold itself is proxy/session/hold.hpp):
// the person waits at public-key authentication while banners tell them how it stands and
// SSH_MSG_IGNORE keeps the client waiting; a justification is asked by keyboard-interactive
// (tech.md §2); a refusal is a banner and the disconnect message.
#include <spdlog/spdlog.h>

#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

void connection::hold_event(std::string_view name, boost::json::object fields) {
  event(name, std::move(fields));
}

void connection::holding(const session::request_status& r) {
  phase_ = phase::holding;
  request_id_ = r.id;
  banner(hold_status_line(r, std::chrono::seconds(0)));
  run();
}

void connection::waiting(const session::request_status& r, std::chrono::seconds waited) {
  banner(hold_status_line(r, waited));
  run();
}

void connection::approved(const session::request_status& r) {
  banner("Request #" + std::to_string(r.id) + " approved" +
         (r.decided_by.empty() ? "" : " by " + r.decided_by) + "; connecting to " +
         target_text(target_));
  run();
}

void connection::released(const session::decision& d) {
  decision_ = d;
  begin_upstream(*d.authorization);
  run();
}

void connection::refused(const session::refusal& r) {
  if (held_ != nullptr) {
    ssh_message_free(held_);
    held_ = nullptr;
  }
  const auto* policy_reason = std::get_if<policy::deny_reason>(&r.reason);
  std::string log = policy_reason != nullptr
                        ? "denied: " + std::string(policy::to_string(*policy_reason))
                        : std::string(session::label(r.reason));
  close(refusal_text(r, target_, justified_), log);
}

void connection::tick() {
  ticker_.expires_after(shared_->settings.keepalive);
  ticker_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto p = self->phase_;
    if (p != phase::checking && p != phase::holding && p != phase::connecting &&
        p != phase::justifying)
      return;
    // SSH_MSG_IGNORE keeps OpenSSH's ServerAlive timer happy; never a global request here
    // (OpenSSH treats one during authentication as a protocol error).
    ssh_send_ignore(self->down_, "");
    self->tick();
    self->run();
  });
}

void connection::ask_justification(const session::decision&) {
  ssh_message m = std::exchange(held_, nullptr);
  banner(justification_banner(target_, local_));
  ssh_message_auth_set_methods(m, SSH_AUTH_METHOD_INTERACTIVE);
  ssh_message_auth_reply_success(m, 1);  // partial success: keyboard-interactive next
  ssh_message_free(m);
  phase_ = phase::justifying;
  set_deadline(shared_->settings.justification_timeout, [this] {
    hold_->refuse(session::front_end_refusal::justification_missing,
                  "No justification was given in time");
  });
  run();
}

void connection::handle_justification(ssh_message m) {
  // An INFO_RESPONSE carries no user name: it answers the prompt we sent to the same user.
  bool response = ssh_message_subtype(m) == SSH_AUTH_METHOD_INTERACTIVE &&
                  ssh_message_auth_kbdint_is_response(m) == 1;
  const char* user = ssh_message_auth_user(m);
  bool same_user = response ? prompted_ : user != nullptr && user_ == user;
  if (!same_user || ssh_message_subtype(m) != SSH_AUTH_METHOD_INTERACTIVE) {
    ssh_message_auth_set_methods(m, SSH_AUTH_METHOD_INTERACTIVE);
    ssh_message_reply_default(m);
    ssh_message_free(m);
    return;
  }
  auto prompt = justification_prompt(target_);
  const char* prompts[] = {prompt.c_str()};
  char echo[] = {1};
  if (!response) {
    ssh_message_auth_interactive_request(m, "Gatehouse", "", 1, prompts, echo);
    prompted_ = true;
    ssh_message_free(m);
    return;
  }
  std::string answer;
  if (ssh_userauth_kbdint_getnanswers(down_) >= 1) {
    if (const char* a = ssh_userauth_kbdint_getanswer(down_, 0)) answer = trim(a);
  }
  if (answer.empty()) {
    if (++justification_asks_ < 3) {
      ssh_message_auth_interactive_request(m, "Gatehouse", "A justification is required.", 1,
                                           prompts, echo);
      ssh_message_free(m);
      return;
    }
    ssh_message_free(m);
    hold_->refuse(session::front_end_refusal::justification_missing,
                  "A justification is required for " + target_text(target_));
    return;
  }
  // This response is answered once the hold lets the person through (or not).
  deadline_.cancel();
  held_ = m;
  justified_ = true;
  phase_ = phase::checking;
  hold_->justify(answer);
}

}  // namespace gatehouse::proxy::ssh
