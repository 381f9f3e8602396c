// Holding a person at public-key authentication while their access request is decided, and
// asking for a justification by keyboard-interactive (see connection.hpp; tech.md §2).
// Subscribe first, check second: the watch is registered before anything can decide, and a
// request that is already decided is reported at once by the gate.
#include <spdlog/spdlog.h>

#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

namespace {

std::chrono::seconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t);
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

// Files the request (or finds the one filed ahead) into request_; on failure frees `m`,
// closes the connection with the reason and returns false.
bool connection::file_request(ssh_message m, const std::string& justification) {
  auto filed = shared_->gate.file_or_reuse(target_, justification);
  if (auto* error = std::get_if<std::string>(&filed)) {
    ssh_message_free(m);
    close("Cannot file an access request for " + target_text(target_) + ": " + *error,
          "request not filed: " + *error);
    return false;
  }
  request_ = std::get<request_status>(filed);
  return true;
}

void connection::begin_hold(ssh_message m) {
  auto taken = shared_->held.take(target_.person, source_);
  if (auto* refused = std::get_if<std::string>(&taken)) {
    ssh_message_free(m);
    close(*refused, "hold cap reached");
    return;
  }
  hold_slots_ = std::move(std::get<held_slots>(taken));
  if (!file_request(m, "")) return;
  held_ = m;
  phase_ = phase::holding;
  hold_started_ = last_status_ = std::chrono::steady_clock::now();
  event("hold.start", {{"request_id", request_.id}});
  std::weak_ptr<connection> weak = shared_from_this();
  request_watch_ = shared_->gate.watch_request(request_.id, [weak](const request_status& r) {
    if (auto self = weak.lock()) self->on_request_update(r);
  });
  auto timeout = decision_.hold_timeout;
  set_deadline(timeout, [this, timeout] {
    event("hold.timeout", {{"request_id", request_.id}});
    close(hold_timeout_text(request_.id, timeout), "hold timed out");
  });
  tick();
  // Decided already (an emergency rule approves at filing): go on at once.
  if (request_.state != request_state::pending) return on_request_update(request_);
  banner(hold_status_line(request_, std::chrono::seconds(0)));
}

void connection::on_request_update(const request_status& r) {
  if (phase_ != phase::holding || r.id != request_.id) return;
  request_ = r;
  switch (r.state) {
    case request_state::pending:
      banner(hold_status_line(request_, since(hold_started_)));
      last_status_ = std::chrono::steady_clock::now();
      run();
      return;
    case request_state::approved:
      // Every connection held on this request is told first (one watch fires for all of
      // them); the check and the upstream login follow later, a batch per turn of the event
      // loop, so that the last of thousands is not told only after all the others have
      // dialled, and the daemon's other work goes on between the batches.
      request_watch_.reset();
      banner("Request #" + std::to_string(r.id) + " approved" +
             (r.decided_by.empty() ? "" : " by " + r.decided_by) + "; connecting to " +
             target_text(target_));
      event("hold.end", {{"request_id", r.id}, {"outcome", "approved"}});
      shared_->releases.add([self = shared_from_this()] { self->on_approved(); });
      return;
    default:
      event("hold.end", {{"request_id", r.id}, {"outcome", request_outcome_text(r)}});
      close(request_outcome_text(r), "request decided: " + request_outcome_text(r));
      return;
  }
}

void connection::on_approved() {
  if (phase_ != phase::holding) return;  // gone meanwhile
  decision_ = shared_->gate.check(target_);
  if (decision_.verdict == verdict::allow) {
    begin_upstream(std::exchange(held_, nullptr));
  } else {
    close("Request #" + std::to_string(request_.id) + " was approved, but it gives no access to " +
              target_text(target_) + " now",
          "approved request gives no access");
  }
  run();
}

void connection::tick() {
  ticker_.expires_after(shared_->settings.keepalive);
  ticker_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto p = self->phase_;
    if (p != phase::holding && p != phase::connecting && p != phase::justifying) return;
    if (p == phase::holding && since(self->last_status_) >= self->shared_->settings.status_every) {
      // Levels may have been decided since: show who is awaited now.
      if (auto now = self->shared_->gate.find_request(self->request_.id);
          now && now->state == request_state::pending)
        self->request_.waiting_for = now->waiting_for;
      self->banner(hold_status_line(self->request_, since(self->hold_started_)));
      self->last_status_ = std::chrono::steady_clock::now();
    }
    // SSH_MSG_IGNORE keeps OpenSSH's ServerAlive timer happy; never a global request here
    // (OpenSSH treats one during authentication as a protocol error).
    ssh_send_ignore(self->down_, "");
    self->tick();
    self->run();
  });
}

void connection::ask_justification(ssh_message m) {
  banner(justification_banner(target_, local_));
  ssh_message_auth_set_methods(m, SSH_AUTH_METHOD_INTERACTIVE);
  ssh_message_auth_reply_success(m, 1);  // partial success: keyboard-interactive next
  ssh_message_free(m);
  phase_ = phase::justifying;
  set_deadline(shared_->settings.justification_timeout,
               [this] { close("No justification was given in time", "justification timed out"); });
  tick();
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
    close("A justification is required for " + target_text(target_), "no justification given");
    return;
  }
  if (!file_request(m, answer)) return;
  event("justification.given", {{"request_id", request_.id}});
  decision_ = shared_->gate.check(target_);
  switch (decision_.verdict) {
    case verdict::allow: return begin_upstream(m);
    case verdict::approval_needed: return begin_hold(m);
    default: break;
  }
  ssh_message_free(m);
  close("Access to " + target_text(target_) + " denied: " +
            (decision_.text.empty() ? std::string("the justification was not accepted")
                                    : decision_.text),
        "denied after justification");
}

}  // namespace gatehouse::proxy::ssh
