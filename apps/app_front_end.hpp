#pragma once
// The HTTP front end: gated web apps (SPEC "HTTP"; docs/architecture.md). The HTTPS listener
// hands it every connection whose Host names an app (web_service's router); from then on the
// connection is this front end's, request after request (apps/relay serves the wire), and
// each request is admitted here:
//   /.gatehouse/launch?t=TOKEN    the portal's single-use launch: a host-only `__Host-gh_app`
//                                 cookie for this app alone, then a redirect to the app's page;
//   Authorization: Bearer ghh_…   a personal token for this app: let through under a live
//                                 grant, else held like an SSH login (a request is filed, the
//                                 rule's hold_timeout applies; a client that leaves cancels the
//                                 hold), then proxied or refused with 403 and the reason, either
//                                 answer with `Gatehouse-Request: N`. After the grant of the
//                                 token's session ended, the next request gets 403 and why
//                                 (unless another grant allows it); the one after is held anew;
//   the app's cookie              its session, while the grant lives;
//   anything else                 a browser is sent to the portal's page for the app (the
//                                 request page is the hold); other clients get 401.
// A let-through request reaches the app with the person's identity (pass_identity: a signed
// Gatehouse-Jwt-Assertion, or X-Gatehouse-User) and never with the gate's cookies or token.
// Sessions (apps/app_session) join the daemon's registry; at the grant's end or revocation,
// or a kill, every connection of the session is closed (WebSockets with 1008 and the reason).
// Audit: session.start / session.end per app session, http.request per request
// (audit.http: requests), and the hold's events.
//
// Ownership: the daemon's front_ends owns it; connections keep what they use alive. io_context
// thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/time.hpp"
#include "policy/decision.hpp"
#include "proxy/session/event_sink.hpp"

namespace gatehouse::proxy::session {
class gate;
class registry;
}  // namespace gatehouse::proxy::session
namespace gatehouse::approval {
class token_store;
}
namespace gatehouse::web {
struct taken_connection;
}

namespace gatehouse::apps {

class assertion_signer;

class app_front_end {
 public:
  struct parts {
    proxy::session::gate& gate;
    proxy::session::registry& sessions;
    proxy::session::event_sink events;
    std::function<bool()> sessions_allowed;  // the audit trail's verdict (on_write_failure)
    const clock& clk;
  };
  app_front_end(boost::asio::any_io_executor executor,
                std::function<std::shared_ptr<const config::config>()> current_config, parts p);
  ~app_front_end();
  app_front_end(const app_front_end&) = delete;
  app_front_end& operator=(const app_front_end&) = delete;

  // What the web service has: the signer of identity assertions (null: pass_identity jwt
  // apps get none and log why) and the store of personal tokens (null: bearer tokens refused).
  void set_identity(const assertion_signer* signer, approval::token_store* tokens);

  // Whether the Host header names one of the apps of the current configuration.
  bool serves_host(std::string_view host_header) const;
  // Serves a connection the HTTPS listener handed over (its first request read), until it ends.
  boost::asio::awaitable<void> serve(web::taken_connection& c);

  // For the portal: the URL on the app's host that opens `app` at `next` for the person the
  // authorization is for (a fresh single-use launch token); nullopt for an unknown app.
  std::optional<std::string> launch_url(const std::string& app, const policy::authorization& a,
                                        const std::string& next);

  std::size_t live_sessions() const;

  struct state;  // apps/front_end_state.hpp

 private:
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::apps
