#pragma once
// What every browser front end of the SSH gate (the terminal, web SFTP) does between the
// gate's decision and a live upstream leg, in one place: the words of a refusal (and the
// access.denied audit fields), and the upstream to ACCOUNT@SERVER under the policy's
// authorization (proxy/ssh/upstream_params_for: pinned host key, the account's key or a
// per-session certificate). Pure but for the upstream it makes; io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "proxy/session/gate.hpp"
#include "proxy/session/grant_watch.hpp"
#include "web/terminal_tickets.hpp"

namespace gatehouse::certs {
class certificate_authority;
}
namespace gatehouse::proxy::ssh {
class upstream;
}

namespace gatehouse::terminal {

// nullopt when `d` lets the person in (an allow with its authorization); else the sentence for
// the person, and in `denied` the fields of the access.denied event.
std::optional<std::string> refusal_of(const proxy::session::decision& d,
                                      const web::terminal_target& t, boost::json::object& denied);

// The upstream leg (not started) to the target under `a`, or nullptr with `error` when the
// server or account is not configured (any more).
std::unique_ptr<proxy::ssh::upstream> upstream_for(
    boost::asio::any_io_executor executor, const config::config& cfg, const web::terminal_target& t,
    const policy::authorization& a, const std::string& session_id,
    std::shared_ptr<const certs::certificate_authority> ca, std::string& error);

// The grant watch's handlers for a browser session on `t` under `a`: `warn` is given the 5- and
// 1-minute warnings' sentence (as ssh shows them), `end` the sentence for the person ("access
// grant #3 ended: revoked by bob") and the session.end reason once the grant ends.
proxy::session::grant_watch::handlers browser_grant_handlers(
    const policy::authorization& a, const web::terminal_target& t,
    std::function<void(const std::string& sentence)> warn,
    std::function<void(const std::string& sentence, const std::string& reason)> end);

}  // namespace gatehouse::terminal
