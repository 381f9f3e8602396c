// Authentication (see connection.hpp). Queue mode: every USERAUTH_REQUEST arrives as an
// ssh_message that we answer ourselves, so the answer to the signed public-key request can
// wait for the hold.
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/keys.hpp"
#include "proxy/ssh/own_view.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

namespace {
constexpr std::string_view certificate_refused = "certificate refused: ";
}  // namespace

void connection::handle_message(ssh_message m) {
  int type = ssh_message_type(m);
  switch (phase_) {
    case phase::authenticating:
    case phase::checking:
    case phase::justifying:
    case phase::holding:
    case phase::connecting:
      if (type == SSH_REQUEST_SERVICE) {
        const char* service = ssh_message_service_service(m);
        bool userauth = service != nullptr && std::string_view(service) == "ssh-userauth";
        if (userauth) ssh_message_service_reply_success(m);
        ssh_message_free(m);
        if (!userauth) close("", "client asked for an unknown service");
        return;
      }
      if (type != SSH_REQUEST_AUTH) break;
      if (phase_ == phase::authenticating) return handle_auth(m);
      if (phase_ == phase::justifying) return handle_justification(m);
      // A second request while the first is held: it would be answered out of order, and
      // OpenSSH never sends one. Drop it without an answer.
      spdlog::debug("ssh {}: ignoring an authentication request while waiting", id_);
      ssh_message_free(m);
      return;
    case phase::relaying:
    case phase::own_view: return handle_session_message(m);
    default: break;
  }
  ssh_message_reply_default(m);
  ssh_message_free(m);
}

void connection::handle_auth(ssh_message m) {
  if (++auth_attempts_ > shared_->settings.max_auth_attempts) {
    ssh_message_free(m);
    failure_reason_ = "too many attempts";
    close("Too many authentication attempts", "too many authentication attempts");
    return;
  }
  if (const char* user = ssh_message_auth_user(m)) user_ = user;
  if (ssh_message_subtype(m) == SSH_AUTH_METHOD_PUBLICKEY) return handle_publickey(m);
  // "none", password, keyboard-interactive before a key: only public keys are accepted.
  ssh_message_auth_set_methods(m, SSH_AUTH_METHOD_PUBLICKEY);
  ssh_message_reply_default(m);
  ssh_message_free(m);
}

void connection::auth_failure(ssh_message m, const std::string& why) {
  // A refused certificate says more than the plain key the client offers after it.
  if (failure_reason_.rfind(certificate_refused, 0) != 0 || why.rfind(certificate_refused, 0) == 0)
    failure_reason_ = why;
  ssh_message_auth_set_methods(m, SSH_AUTH_METHOD_PUBLICKEY);
  ssh_message_reply_default(m);
  ssh_message_free(m);
}

void connection::handle_publickey(ssh_message m) {
  auto parsed = parse_login_name(user_);
  if (auto* error = std::get_if<std::string>(&parsed)) return auth_failure(m, *error);
  auto login = std::get<login_name>(parsed);
  const config::user* person = config_->find_user(login.person);
  ssh_key key = ssh_message_auth_pubkey(m);
  if (person == nullptr) return auth_failure(m, "unknown person");
  std::optional<certs::accepted_certificate> certificate;
  if (is_certificate(key)) {
    auto checked = check_certificate(*person, key);
    if (auto* why = std::get_if<std::string>(&checked)) return auth_failure(m, *why);
    certificate = std::get<certs::accepted_certificate>(std::move(checked));
  } else if (!key_in_list(key, person->ssh_keys)) {
    return auth_failure(m, "key not listed for the person");
  }
  switch (ssh_message_auth_publickey_state(m)) {
    case SSH_PUBLICKEY_STATE_NONE:  // a probe: "would this key do?"
      ssh_message_auth_reply_pk_ok_simple(m);
      ssh_message_free(m);
      return;
    case SSH_PUBLICKEY_STATE_VALID: break;
    default: return auth_failure(m, "bad signature");
  }
  login_ = std::move(login);
  key_fingerprint_ = certificate ? certificate->fingerprint : fingerprint_sha256(key);
  if (certificate) {
    certificate_key_id_ = certificate->key_id;
    certificate_serial_ = certificate->serial;
  }
  on_person_known(m);
}

// A person's certificate, checked by our own code: CAs trusted for everyone
// (ssh.user_ca_keys) and for this person (users[].ssh_cas).
certs::person_certificate_result connection::check_certificate(const config::user& person,
                                                               ssh_key key) const {
  certs::person_certificate_terms terms;
  for (const auto* lines : {&config_->ssh.user_ca_keys, &person.ssh_cas})
    for (const auto& line : *lines) terms.trusted_ca_blobs.push_back(certs::key_blob_of_line(line));
  if (terms.trusted_ca_blobs.empty()) return std::string("certificates are not accepted");
  terms.revoked = &config_->ssh.revoked;
  terms.person = person.name;
  terms.peer_address = peer_host(peer_);
  terms.now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  auto result = certs::check_person_certificate(certificate_blob(key), terms);
  if (auto* why = std::get_if<std::string>(&result)) *why = std::string(certificate_refused) + *why;
  return result;
}

void connection::on_person_known(ssh_message m) {
  person_known_ = true;
  unauthenticated_slot_.reset();
  deadline_.cancel();
  target_.person = login_.person;
  boost::json::object fields{{"user", user_}, {"key", key_fingerprint_}};
  if (!certificate_key_id_.empty() || certificate_serial_ != 0) {
    fields["certificate_key_id"] = certificate_key_id_;
    fields["certificate_serial"] = certificate_serial_;
  }
  event("auth.success", std::move(fields));
  if (login_.own_view()) {
    ssh_message_auth_reply_success(m, 0);
    ssh_message_free(m);
    phase_ = phase::own_view;
    return;
  }
  auto resolved = resolve_login(*config_, login_);
  if (auto* error = std::get_if<std::string>(&resolved)) {
    ssh_message_free(m);
    close(*error, "bad target: " + *error);
    return;
  }
  auto where = std::get<login_target>(resolved);
  server_ = where.server;
  account_ = where.account;
  target_.server = server_->name;
  target_.account = account_->name;
  target_.protocol = config::protocol::ssh;
  // The signed request stays unanswered until the hold lets the person through (or not).
  held_ = m;
  phase_ = phase::checking;
  hold_ = std::make_shared<session::hold>(
      executor_, shared_->holds, static_cast<session::hold_view&>(*this), target_, source_);
  tick();
  hold_->start();
}

}  // namespace gatehouse::proxy::ssh
