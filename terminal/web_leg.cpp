#include "terminal/web_leg.hpp"

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

}  // namespace gatehouse::terminal
