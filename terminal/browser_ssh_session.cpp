#include "terminal/browser_ssh_session.hpp"

#include "proxy/ssh/upstream.hpp"
#include "terminal/web_leg.hpp"

namespace gatehouse::terminal {

browser_ssh_session::browser_ssh_session(boost::asio::any_io_executor executor,
                                         browser_session_parts parts,
                                         std::shared_ptr<const config::config> config,
                                         std::string id, web::terminal_target target,
                                         std::string client)
    : executor_(executor),
      parts_(std::move(parts)),
      config_(std::move(config)),
      id_(std::move(id)),
      target_(std::move(target)),
      client_(std::move(client)),
      started_at_(
          std::chrono::time_point_cast<time_point::duration>(std::chrono::system_clock::now())),
      since_(std::chrono::steady_clock::now()),
      grant_watch_(executor, parts_.gate) {}

browser_ssh_session::~browser_ssh_session() {
  if (channel_) ssh_channel_free(channel_);
}

bool browser_ssh_session::admit(const proxy::session::decision& d) {
  boost::json::object denied;
  if (auto why = refusal_of(d, target_, denied)) {
    event("access.denied", std::move(denied));
    close(*why, "refused: " + *why);
    return false;
  }
  authorization_ = *d.authorization;
  rule_ = d.rule;
  std::string error;
  upstream_ = upstream_for(executor_, *config_, target_, *authorization_, id_,
                           parts_.ca ? parts_.ca() : nullptr, error);
  if (!upstream_) {
    close(error, "target not configured");
    return false;
  }
  return true;
}

browser_ssh_session::login browser_ssh_session::step_login() {
  upstream_->step();
  if (upstream_->failed()) {
    event("upstream.failure", {{"text", upstream_->failure()}});
    close(upstream_->failure(), "upstream: " + upstream_->failure());
    return login::failed;
  }
  if (!upstream_->ready()) return login::waiting;
  channel_ = ssh_channel_new(upstream_->session());
  return login::ready;
}

boost::json::object browser_ssh_session::start_fields() {
  since_ = std::chrono::steady_clock::now();
  boost::json::object fields{{"rule", rule_}, {"host_key", upstream_->host_key_fingerprint()}};
  if (auto grant = authorization_->grant()) fields["grant_id"] = *grant;
  if (!upstream_->certificate_key_id().empty())
    fields["certificate_key_id"] = upstream_->certificate_key_id();
  return fields;
}

void browser_ssh_session::end_leg() {
  grant_watch_.stop();
  if (channel_) {
    ssh_channel_free(channel_);
    channel_ = nullptr;
  }
  if (upstream_) upstream_->close();
}

boost::json::object browser_ssh_session::end_fields(const std::string& reason) const {
  return {{"bytes_in", bytes_in_},
          {"bytes_out", bytes_out_},
          {"duration_s", std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now() - since_)
                             .count()},
          {"reason", reason}};
}

void browser_ssh_session::event(std::string_view name, boost::json::object fields) {
  if (!parts_.events) return;
  boost::json::object o{{"session", id_},
                        {"client", client_},
                        {"person", target_.person},
                        {"server", target_.server},
                        {"account", target_.account}};
  for (auto& kv : fields) o[kv.key()] = kv.value();
  o["protocol"] = "ssh";
  o["via"] = "web";
  parts_.events(name, std::move(o));
}

}  // namespace gatehouse::terminal
