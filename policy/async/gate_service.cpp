#include "policy/async/gate_service.hpp"

#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>

namespace gatehouse::policy {

namespace asio = boost::asio;

namespace {
// Changes made by another daemon sharing the store are seen within this time.
constexpr auto feed_poll_interval = std::chrono::seconds(1);
// Deadlines are re-read at least this often (a clock step or another daemon's change).
constexpr auto max_timer_wait = std::chrono::minutes(1);
constexpr std::size_t feed_batch = 256;
// A change watched by this many (a request thousands are held on) logs how long telling took.
constexpr std::size_t many_watchers = 100;

double thread_cpu_ms() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
}  // namespace

struct gate_service::impl : std::enable_shared_from_this<impl> {
  template <typename T>
  using watchers =
      std::unordered_map<std::int64_t, std::map<std::uint64_t, std::function<void(const T&)>>>;

  impl(asio::io_context& io, access_service& a, store& s, const clock& c)
      : access(a), changes(s), clk(c), deadline_timer(io), poll_timer(io) {}

  access_service& access;
  store& changes;
  const clock& clk;
  asio::steady_timer deadline_timer;
  asio::steady_timer poll_timer;
  std::int64_t last_seq = 0;
  std::uint64_t next_token = 1;
  bool running = false;
  watchers<request> request_watchers;
  watchers<grant> grant_watchers;
  request_tally tally;

  template <typename T>
  static void fire(watchers<T>& all, std::int64_t id, const T& value) {
    auto it = all.find(id);
    if (it == all.end()) return;
    auto callbacks = std::move(it->second);  // a callback may add or end watches
    all.erase(it);
    const bool timed = callbacks.size() >= many_watchers;
    auto start = std::chrono::steady_clock::now();
    auto cpu_start = timed ? thread_cpu_ms() : 0.0;
    for (auto& [token, fn] : callbacks) fn(value);
    if (timed) {
      auto spent = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      spdlog::info("change of #{} told {} watchers in {} ms ({} ms CPU)", id, callbacks.size(),
                   spent.count() / 1000.0, thread_cpu_ms() - cpu_start);
    }
  }

  void drain() {
    for (;;) {
      auto batch = changes.changes_since(last_seq, feed_batch);
      if (!batch) {
        spdlog::error("change feed: {}", batch.message());
        return;
      }
      for (const auto& c : *batch) {
        last_seq = c.seq;
        dispatch(c);
      }
      if (batch->size() < feed_batch) return;
    }
  }

  void dispatch(const change& c) {
    switch (c.kind) {
      case change_kind::request_decided:
        if (auto r = access.get_request(c.request)) {
          tally.decided(*r);
          if (request_watchers.count(c.request) && !awaiting_decisions(*r))
            fire(request_watchers, c.request, *r);
        }
        break;
      case change_kind::grant_ended:
      case change_kind::grant_revoked:
        if (c.grant && grant_watchers.count(*c.grant))
          if (auto g = access.get_grant(*c.grant); g && g->state != grant_state::active)
            fire(grant_watchers, *c.grant, *g);
        break;
      case change_kind::request_filed:
        if (auto r = access.get_request(c.request)) tally.filed(*r);
        break;
      case change_kind::request_updated: break;
    }
  }

  // False when the store could not expire or end what is due (then the deadline timer waits
  // a second before it tries again, instead of firing at once for the same deadline).
  bool process_due() {
    auto report = access.process_due(clk.now());
    if (!report) spdlog::error("expiring requests and ending grants: {}", report.message());
    return static_cast<bool>(report);
  }

  void arm_deadline(bool after_failure = false) {
    if (!running) return;
    auto next = access.next_deadline();
    std::chrono::milliseconds wait = max_timer_wait;
    auto least = after_failure ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(0);
    if (next && *next) {
      auto until = **next - clk.now();
      wait = std::clamp<std::chrono::milliseconds>(
          until + std::chrono::milliseconds(1), least,
          std::max<std::chrono::milliseconds>(least, max_timer_wait));
    }
    deadline_timer.expires_after(wait);
    deadline_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      bool done = self->process_due();
      self->drain();
      self->arm_deadline(!done);
    });
  }

  void poll_feed() {
    if (!running) return;
    poll_timer.expires_after(feed_poll_interval);
    poll_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      auto before = self->last_seq;
      self->drain();
      if (self->last_seq != before) self->arm_deadline();
      self->poll_feed();
    });
  }

  template <typename T>
  subscription add(watchers<T>& all, std::int64_t id, std::function<void(const T&)> fn) {
    auto token = next_token++;
    all[id].emplace(token, std::move(fn));
    return subscription([weak = weak_from_this(), &all, id, token] {
      if (!weak.lock()) return;
      auto it = all.find(id);
      if (it == all.end()) return;
      it->second.erase(token);
      if (it->second.empty()) all.erase(it);
    });
  }
};

gate_service::gate_service(asio::io_context& io, access_service& access, store& changes,
                           const clock& clock)
    : access_(access), impl_(std::make_shared<impl>(io, access, changes, clock)) {}

gate_service::~gate_service() { stop(); }

void gate_service::start() {
  if (auto seq = impl_->changes.last_change_seq()) impl_->last_seq = *seq;
  // The pending requests once (after the feed's position: one filed in between is seen twice,
  // which the tally's set absorbs); from here on the feed keeps the tally.
  request_filter pending;
  pending.state = request_state::pending;
  if (auto all = access_.list_requests(pending)) impl_->tally.seed(*all);
  impl_->running = true;
  // Whatever fell due while the daemon was down is settled first.
  impl_->process_due();
  impl_->drain();
  impl_->arm_deadline();
  impl_->poll_feed();
}

void gate_service::stop() {
  impl_->running = false;
  impl_->deadline_timer.cancel();
  impl_->poll_timer.cancel();
}

decision gate_service::check(const target& t) const { return access_.check(t); }

result<request> gate_service::file_or_reuse(const target& t, const std::string& justification) {
  auto open = access_.find_open_request(t.person, t.server, t.account);
  if (!open) return open.err();
  if (*open) return **open;
  filing f;
  f.justification = justification;
  auto filed = access_.file_request(t, f);
  changed();
  return filed;
}

subscription gate_service::watch_request(request_id id, std::function<void(const request&)> fn) {
  auto sub = impl_->add(impl_->request_watchers, id, std::move(fn));
  // Already decided: tell the watcher soon, but never from inside this call.
  if (auto r = access_.get_request(id); r && !awaiting_decisions(*r)) {
    asio::post(impl_->deadline_timer.get_executor(), [weak = impl_->weak_from_this(), id] {
      auto self = weak.lock();
      if (!self) return;
      if (auto again = self->access.get_request(id)) impl::fire(self->request_watchers, id, *again);
    });
  }
  return sub;
}

subscription gate_service::watch_grant(grant_id id, std::function<void(const grant&)> fn) {
  auto sub = impl_->add(impl_->grant_watchers, id, std::move(fn));
  if (auto g = access_.get_grant(id); g && g->state != grant_state::active) {
    asio::post(impl_->deadline_timer.get_executor(), [weak = impl_->weak_from_this(), id] {
      auto self = weak.lock();
      if (!self) return;
      if (auto again = self->access.get_grant(id)) impl::fire(self->grant_watchers, id, *again);
    });
  }
  return sub;
}

void gate_service::changed() {
  impl_->drain();
  impl_->arm_deadline();
}

request_counts gate_service::counts() const { return impl_->tally.counts(); }

std::size_t gate_service::watcher_count() const {
  std::size_t n = 0;
  for (const auto& [id, w] : impl_->request_watchers) n += w.size();
  for (const auto& [id, w] : impl_->grant_watchers) n += w.size();
  return n;
}

}  // namespace gatehouse::policy
