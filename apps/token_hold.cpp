#include "apps/token_hold.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gatehouse::apps {

namespace {
namespace session = proxy::session;

// The hold's view of a token request: it records the outcome and wakes the waiting coroutine.
class token_view final : public session::hold_view {
 public:
  token_view(boost::asio::any_io_executor ex, std::string justification,
             std::function<void(std::string_view, boost::json::object)> events)
      : wake(ex), justification_(std::move(justification)), events_(std::move(events)) {
    wake.expires_at(boost::asio::steady_timer::time_point::max());
  }
  void hold_event(std::string_view name, boost::json::object fields) override {
    if (events_) events_(name, std::move(fields));
  }
  void ask_justification(const session::decision&) override {
    // Answered later, never from inside the hold's own call.
    boost::asio::post(wake.get_executor(), [this, h = hold] {
      auto held = h.lock();
      if (!held || held->finished()) return;
      if (!justification_.empty())
        held->justify(justification_);
      else
        held->refuse(session::front_end_refusal::justification_missing,
                     "this app asks for a justification: send it in a Gatehouse-Justification "
                     "header, or file a request ahead (ssh GATE request APP --reason TEXT)");
    });
  }
  void holding(const session::request_status& r) override { outcome.request_id = r.id; }
  void released(const session::decision& d) override {
    outcome.released = d;
    wake.cancel();
  }
  void refused(const session::refusal& r) override {
    outcome.refused = r;
    if (r.request) outcome.request_id = r.request->id;
    wake.cancel();
  }

  boost::asio::steady_timer wake;
  token_hold_outcome outcome;
  std::weak_ptr<session::hold> hold;

 private:
  std::string justification_;
  std::function<void(std::string_view, boost::json::object)> events_;
};
}  // namespace

boost::asio::awaitable<token_hold_outcome> hold_token_request(
    std::shared_ptr<session::hold_context> context, session::target t, std::string source,
    std::string justification, std::function<void(std::string_view, boost::json::object)> events) {
  auto ex = co_await boost::asio::this_coro::executor;
  token_view view(ex, std::move(justification), std::move(events));
  auto h = std::make_shared<session::hold>(ex, std::move(context), view, std::move(t),
                                           std::move(source));
  view.hold = h;
  // The view lives in this frame: whatever ends the wait, the hold is cancelled before it goes.
  struct cancel_on_exit {
    std::shared_ptr<session::hold>& h;
    ~cancel_on_exit() {
      if (!h->finished()) h->cancel("client_left");
    }
  } guard{h};
  h->start();
  while (!view.outcome.released && !view.outcome.refused) {
    auto [ec] = co_await view.wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) break;
    (void)ec;  // woken by the view, or the timer's far end
  }
  co_return view.outcome;
}

}  // namespace gatehouse::apps
