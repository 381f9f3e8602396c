#include "proxy/session/grant_watch.hpp"

#include <boost/asio/steady_timer.hpp>

namespace gatehouse::proxy::session {

namespace {

time_point wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

struct grant_watch::state : std::enable_shared_from_this<grant_watch::state> {
  explicit state(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
  boost::asio::steady_timer timer;
  watch gate_watch;
  handlers on;
  std::int64_t grant = 0;
  time_point until{};
  bool warned_5 = false, warned_1 = false, ended = false;

  void end(const grant_status& g) {
    if (ended) return;
    ended = true;
    timer.cancel();
    gate_watch.reset();
    if (on.ended) on.ended(g);
  }

  void arm() {
    using std::chrono::minutes;
    auto now = wall_now();
    if (now >= until - minutes(5)) warned_5 = true;
    if (now >= until - minutes(1)) warned_1 = true;
    time_point at = !warned_5 ? until - minutes(5) : !warned_1 ? until - minutes(1) : until;
    timer.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(at - now) +
                        std::chrono::milliseconds(1));
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = ec ? nullptr : weak.lock();
      if (!self || self->ended) return;
      if (wall_now() >= self->until) return self->end({self->grant, false, {}, self->until});
      bool five = !self->warned_5;
      (five ? self->warned_5 : self->warned_1) = true;
      self->arm();  // before warn(): the handler may stop the watch
      if (self->on.warn) self->on.warn(std::chrono::minutes(five ? 5 : 1), self->until);
    });
  }
};

grant_watch::grant_watch(boost::asio::any_io_executor executor, session::gate& gate)
    : executor_(std::move(executor)), gate_(gate) {}

grant_watch::~grant_watch() { stop(); }

void grant_watch::start(const policy::authorization& a, handlers h) {
  stop();
  state_ = std::make_shared<state>(executor_);
  state_->on = std::move(h);
  if (auto id = a.grant()) {
    state_->grant = *id;
    state_->gate_watch =
        gate_.watch_grant(*id, [weak = std::weak_ptr<state>(state_)](const grant_status& g) {
          if (auto s = weak.lock()) s->end(g);
        });
  }
  if (auto until = a.until()) {
    state_->until = *until;
    state_->arm();
  }
}

void grant_watch::stop() {
  if (!state_) return;
  state_->ended = true;
  state_->timer.cancel();
  state_->gate_watch.reset();
  state_.reset();
}

std::string grant_end_reason(const grant_status& g) {
  if (!g.revoked) return "grant ended";
  return g.revoked_by.empty() ? "grant revoked" : "grant revoked by " + g.revoked_by;
}

}  // namespace gatehouse::proxy::session
