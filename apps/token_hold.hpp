#pragma once
// A request that came with a personal token but without a live grant, held like an SSH login
// (SPEC "HTTP"; proxy/session/hold.hpp): the gate decides, a request is filed (or the open one
// reused), and the request waits - up to the rule's hold_timeout - until it is let through or
// refused. A rule in `justify` mode takes the reason from the `Gatehouse-Justification` header;
// without one the request is refused with how to give it.
//
// The coroutine that awaits wait() owns the hold; when it is cancelled (the client or the
// daemon goes), the hold is cancelled too. io_context thread only.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "proxy/session/hold.hpp"

namespace gatehouse::apps {

struct token_hold_outcome {
  std::optional<proxy::session::decision> released;  // authorization set
  std::optional<proxy::session::refusal> refused;
  std::int64_t request_id = 0;  // the request filed or reused, 0 when none
};

// Holds `t` for a client at `source`; `events` receives the hold's audit events.
boost::asio::awaitable<token_hold_outcome> hold_token_request(
    std::shared_ptr<proxy::session::hold_context> context, proxy::session::target t,
    std::string source, std::string justification,
    std::function<void(std::string_view, boost::json::object)> events);

}  // namespace gatehouse::apps
