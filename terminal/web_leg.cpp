#include "terminal/web_leg.hpp"

#include "proxy/ssh/texts.hpp"
#include "proxy/ssh/upstream.hpp"

namespace gatehouse::terminal {

std::optional<std::string> refusal_of(const proxy::session::decision& d,
                                      const web::terminal_target& t, boost::json::object& denied) {
  if (d.verdict == proxy::session::verdict::allow && d.authorization) return std::nullopt;
  auto why = d.verdict == proxy::session::verdict::deny
                 ? d.text
                 : "access to " + t.account + "@" + t.server + " needs an approved request";
  denied = {{"reason", policy::to_string(d.deny)}, {"text", why}};
  return why;
}

std::unique_ptr<proxy::ssh::upstream> upstream_for(
    boost::asio::any_io_executor executor, const config::config& cfg, const web::terminal_target& t,
    const policy::authorization& a, const std::string& session_id,
    std::shared_ptr<const certs::certificate_authority> ca, std::string& error) {
  const auto* server = cfg.find_server(t.server);
  const config::account* account = nullptr;
  if (server)
    for (const auto& candidate : server->accounts)
      if (candidate.name == t.account) account = &candidate;
  if (!account) {
    error = "no such server and account";
    return nullptr;
  }
  auto params =
      proxy::ssh::upstream_params_for(cfg, *server, *account, a, session_id, std::move(ca), false);
  return std::make_unique<proxy::ssh::upstream>(executor, a, std::move(params));
}

proxy::session::grant_watch::handlers browser_grant_handlers(
    const policy::authorization& a, const web::terminal_target& t,
    std::function<void(const std::string& sentence)> warn,
    std::function<void(const std::string& sentence, const std::string& reason)> end) {
  proxy::session::grant_watch::handlers on;
  on.warn = [grant = a.grant().value_or(0), t, warn = std::move(warn)](std::chrono::minutes left,
                                                                       time_point until) {
    proxy::session::target target{t.person, t.server, t.account, config::protocol::ssh};
    warn(proxy::ssh::grant_warning_text(grant, target, left, until));
  };
  on.ended = [end = std::move(end)](const proxy::session::grant_status& g) {
    auto by = g.revoked ? (g.revoked_by.empty() ? std::string("an administrator") : g.revoked_by)
                        : std::string();
    end(web::grant_end_sentence(g.id, by), proxy::session::grant_end_reason(g));
  };
  return on;
}

}  // namespace gatehouse::terminal
