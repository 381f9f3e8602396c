#pragma once
// The live side of an app request's waiting page (web/app_portal_pages.cpp): server-sent
// events at GET /apps/NAME/wait/ID/events, for the requester only (web::app decides who may
// have them). The stream sends `waiting` at once, a comment every 25 s (so that nothing on the
// way closes a quiet stream), and `decided` once the request leaves pending - then it ends, and
// the page reloads. After 10 minutes it ends anyway; the browser's EventSource reconnects.
// Includes only Asio's awaitable: the Beast side is in the .cpp.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace gatehouse::policy {
class gate_service;
}

namespace gatehouse::web {

class streamed_exchange;

boost::asio::awaitable<void> stream_wait_events(streamed_exchange& ex, policy::gate_service& gate,
                                                std::int64_t request_id, std::string waiting_text);

}  // namespace gatehouse::web
