// operations::service::issue_http_token (operations.hpp): a person's personal HTTP token for a
// gated web app. The app must be a `protocol: http` server and some rule other than `deny`
// must cover the person there (the gate's decision, as for a .rdp file); the token is issued in
// the token store, then audited durably (a refused audit revokes it again), and only then
// handed out.
#include "apps/identity/http_tokens.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"

namespace gatehouse::operations {

using policy::error_code;
using policy::make_error;
using policy::result;

result<std::string> service::issue_http_token(const actor& by, const std::string& app,
                                              std::chrono::seconds valid) {
  if (!http_tokens_)
    return make_error(error_code::refused, "personal HTTP tokens are not available here");
  if (by.is_administrator())
    return make_error(error_code::invalid, "an HTTP token is a person's own: name the person");
  if (valid.count() == 0) valid = apps::default_http_token;
  if (valid < apps::shortest_http_token || valid > apps::longest_http_token)
    return make_error(error_code::invalid, "a token is valid for " +
                                               format_duration(apps::shortest_http_token) + " to " +
                                               format_duration(apps::longest_http_token) +
                                               ", not " + format_duration(valid));
  auto cfg = config();
  const auto* server = cfg->find_server(app);
  if (!server) return make_error(error_code::not_found, "no web app named '" + app + "'");
  if (server->protocol != config::protocol::http)
    return make_error(error_code::invalid, "'" + app + "' is an " +
                                               std::string(policy::to_string(server->protocol)) +
                                               " server, not a web app");
  auto decided = gate_.check(policy::target{by.name(), app, "", config::protocol::http});
  if (const auto* deny = std::get_if<policy::decisions::deny>(&decided))
    return make_error(error_code::refused, deny->text);

  auto& issuing = *http_tokens_;
  const auto now = issuing.clk.now();
  const auto expires = now + valid;
  auto token = apps::issue_http_token(issuing.tokens, by.name(), app, expires, now);
  if (!token) return token.err();
  policy::audit_event e{"http_token.issued",
                        now,
                        {{"person", by.name()}, {"app", app}, {"expires", format_rfc3339(expires)}},
                        {}};
  if (!issuing.audit.record_before_change(e)) {
    (void)apps::revoke_http_token(issuing.tokens, *token);
    return make_error(error_code::internal, "the audit log refused the event; no token issued");
  }
  return token;
}

}  // namespace gatehouse::operations
