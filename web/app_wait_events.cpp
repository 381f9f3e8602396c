#include "web/app_wait_events.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

#include "policy/async/gate_service.hpp"
#include "web/event_stream.hpp"
#include "web/http_stream.hpp"

namespace gatehouse::web {

namespace {
constexpr std::chrono::seconds keep_alive_every{25};
constexpr std::chrono::minutes longest{10};

}  // namespace

// A coroutine keeps its own copy of what it is given (hence `waiting_text` by value).
boost::asio::awaitable<void> stream_wait_events(streamed_exchange& ex, policy::gate_service& gate,
                                                std::int64_t request_id,
                                                // cppcheck-suppress passedByValue
                                                std::string waiting_text) {
  auto executor = co_await boost::asio::this_coro::executor;
  reply_head head;
  head.content_type = "text/event-stream; charset=utf-8";
  head.headers.emplace_back("Cache-Control", "no-store");
  if (co_await ex.start_reply(head)) co_return;

  // The watch wakes this coroutine; it only sets a flag the coroutine reads.
  struct wake_state {
    explicit wake_state(boost::asio::any_io_executor e) : timer(e) {}
    boost::asio::steady_timer timer;
    bool decided = false;
  };
  auto wake = std::make_shared<wake_state>(executor);
  std::weak_ptr<wake_state> weak = wake;
  auto watch = gate.watch_request_async(request_id, [weak](const policy::request&) {
    if (auto w = weak.lock()) {
      w->decided = true;
      w->timer.cancel();
    }
  });

  std::string first = "retry: 3000\n\n" + sse_event("waiting", waiting_text);
  if (co_await ex.write(boost::asio::buffer(first))) co_return;
  const auto until = std::chrono::steady_clock::now() + longest;
  while (!wake->decided && std::chrono::steady_clock::now() < until) {
    wake->timer.expires_after(keep_alive_every);
    co_await wake->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) co_return;
    if (wake->decided) break;
    std::string beat = ": still waiting\n\n";
    if (co_await ex.write(boost::asio::buffer(beat))) co_return;
  }
  if (wake->decided) {
    std::string decided = sse_event("decided", "#" + std::to_string(request_id));
    if (co_await ex.write(boost::asio::buffer(decided))) co_return;
  }
  co_await ex.finish();
}

}  // namespace gatehouse::web
