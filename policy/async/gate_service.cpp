#include "policy/async/gate_service.hpp"

#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <unordered_map>
#include <vector>

#include "policy/async/change_listener.hpp"
#include "policy/async/store_worker.hpp"

namespace gatehouse::policy {

namespace asio = boost::asio;

namespace {
// Changes made by another daemon sharing the store are seen within this time.
constexpr auto feed_poll_interval = std::chrono::seconds(1);
// The same when the store tells of them at once (change_listener): the poll is then only the
// safety net for a notification lost.
constexpr auto feed_safety_poll_interval = std::chrono::seconds(5);
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

// A change of the feed with what it is about, as read from the store (on any thread).
struct read_change {
  change c;
  std::optional<request> req;  // request_filed, request_decided
  std::optional<grant> ended;  // grant_ended, grant_revoked
};

// What one round of store work found: the feed after a position, the next deadline, and
// whether settling what was due worked.
struct store_round {
  std::vector<read_change> feed;
  result<std::optional<time_point>> next = std::optional<time_point>();
  bool settled = true;
};

// The changes after `after`, each with its request or grant. Store calls only: any thread.
std::vector<read_change> read_feed(access_service& access, store& changes, std::int64_t after) {
  std::vector<read_change> out;
  for (;;) {
    auto batch = changes.changes_since(after, feed_batch);
    if (!batch) {
      spdlog::error("change feed: {}", batch.message());
      return out;
    }
    for (const auto& c : *batch) {
      read_change r{c, std::nullopt, std::nullopt};
      if (c.kind == change_kind::request_decided || c.kind == change_kind::request_filed) {
        if (auto got = access.get_request(c.request)) r.req = std::move(*got);
      } else if (c.kind == change_kind::grant_ended || c.kind == change_kind::grant_revoked) {
        if (c.grant)
          if (auto got = access.get_grant(*c.grant); got && got->state != grant_state::active)
            r.ended = std::move(*got);
      }
      after = c.seq;
      out.push_back(std::move(r));
    }
    if (batch->size() < feed_batch) return out;
  }
}

// Expires the pending requests and ends the grants that are due. False when the store could
// not (then the deadline timer waits a second before it tries again, instead of firing at once
// for the same deadline).
bool settle_due(access_service& access, const clock& clk) {
  auto report = access.process_due(clk.now());
  if (!report) spdlog::error("expiring requests and ending grants: {}", report.message());
  return static_cast<bool>(report);
}

// The file_or_reuse work: the request filed ahead for the target, or a new one.
result<request> find_or_file(access_service& access, const target& t,
                             const std::string& justification) {
  auto open = access.find_open_request(t.person, t.server, t.account);
  if (!open) return open.err();
  if (*open) return **open;
  filing f;
  f.justification = justification;
  return access.file_request(t, f);
}
}  // namespace

struct gate_service::impl : std::enable_shared_from_this<impl> {
  template <typename T>
  using watchers =
      std::unordered_map<std::int64_t, std::map<std::uint64_t, std::function<void(const T&)>>>;

  impl(asio::io_context& io, access_service& a, store& s, const clock& c)
      : io(io),
        access(a),
        changes(s),
        clk(c),
        deadline_timer(io),
        poll_timer(io),
        listener(
            s, [this] { heard_from_other_daemons(); },
            [this](bool reachable) { reachability_changed(reachable); }) {}

  asio::io_context& io;
  access_service& access;
  store& changes;
  const clock& clk;
  asio::steady_timer deadline_timer;
  asio::steady_timer poll_timer;
  std::int64_t last_seq = 0;
  std::uint64_t next_token = 1;
  bool running = false;
  bool deadline_armed = false;
  std::uint64_t arms = 0;  // how often the deadline timer was armed: a round's next is stale
                           // when it was armed again since the round was posted
  store_worker worker;
  watchers<request> request_watchers;
  watchers<grant> grant_watchers;
  request_tally tally;
  bool listen_round_queued = false;  // a feed round for word from the listener is on its way
  bool heard_again = false;          // more word came while it was
  bool store_reachable = true;       // as the listener last reported it
  std::vector<std::function<void(bool)>> reachability_watchers;
  change_listener listener;          // last member: stopped (joined) before the rest goes

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

  // Runs `read` on the worker and hands what it returns to `deliver` on the io thread (dropped
  // after stop() or once the service is gone).
  template <typename Read, typename Deliver>
  void off_thread(Read read, Deliver deliver) {
    worker.post([weak = weak_from_this(), executor = io.get_executor(), read = std::move(read),
                 deliver = std::move(deliver)]() mutable {
      auto value = read();
      asio::post(executor,
                 [weak, value = std::move(value), deliver = std::move(deliver)]() mutable {
                   if (auto self = weak.lock(); self && self->running)
                     deliver(*self, std::move(value));
                 });
    });
  }

  // Reads request `id` on the worker and hands it to `done` on the io thread. A read of one id
  // asked while another is still queued (not begun) shares it: thousands of connections held
  // on one request ask for it at once (their status lines, their watches), and the store is
  // read once for all. A read that has begun is never shared, so every answer was read after
  // its caller asked (a watch subscribes, then reads: no decision is missed).
  struct request_read {
    std::shared_ptr<std::atomic<bool>> begun = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<void(const result<request>&)>> callbacks;
  };
  std::unordered_map<request_id, std::shared_ptr<request_read>> queued_reads;
  void read_request(request_id id, std::function<void(const result<request>&)> done) {
    auto& slot = queued_reads[id];
    if (slot && !slot->begun->load()) {
      slot->callbacks.push_back(std::move(done));
      return;
    }
    slot = std::make_shared<request_read>();
    slot->callbacks.push_back(std::move(done));
    off_thread(
        [&a = access, id, begun = slot->begun] {
          begun->store(true);
          return a.get_request(id);
        },
        [id, batch = slot](impl& self, result<request> r) {
          if (auto it = self.queued_reads.find(id);
              it != self.queued_reads.end() && it->second == batch)
            self.queued_reads.erase(it);
          for (auto& fn : batch->callbacks) fn(r);
        });
  }

  // The feed read on this thread: watchers and tally follow at once.
  void drain() { apply(read_feed(access, changes, last_seq)); }

  // Tells the tally and the watchers of what the feed said. Changes already seen (a round read
  // on the worker while changed() read the same) are skipped.
  void apply(const std::vector<read_change>& feed) {
    for (const auto& [c, req, ended] : feed) {
      if (c.seq <= last_seq) continue;
      last_seq = c.seq;
      switch (c.kind) {
        case change_kind::request_decided:
          if (!req) break;
          tally.decided(*req);
          if (request_watchers.count(c.request) && !awaiting_decisions(*req))
            fire(request_watchers, c.request, *req);
          break;
        case change_kind::grant_ended:
        case change_kind::grant_revoked:
          if (ended && c.grant && grant_watchers.count(*c.grant))
            fire(grant_watchers, *c.grant, *ended);
          break;
        case change_kind::request_filed:
          if (req) tally.filed(*req);
          break;
        case change_kind::request_updated: break;
      }
    }
  }

  bool process_due() { return settle_due(access, clk); }

  void arm_deadline(bool after_failure = false) {
    if (!running) return;
    arm_timer(access.next_deadline(), after_failure, false);
  }

  // Arms the deadline timer for `next`. With `only_sooner` (a round's reading of the next
  // deadline that may be stale) an armed timer is only ever brought forward: firing early
  // costs one store round, firing late would miss a deadline.
  void arm_timer(const result<std::optional<time_point>>& next, bool after_failure,
                 bool only_sooner) {
    if (!running) return;
    std::chrono::milliseconds wait = max_timer_wait;
    // After a failure: a second, or five while the store is away (it is settled again as soon
    // as the store is back, by reachability_changed's round).
    auto least = !after_failure     ? std::chrono::milliseconds(0)
                 : store_reachable ? std::chrono::milliseconds(1000)
                                   : std::chrono::milliseconds(5000);
    if (next && *next) {
      auto until = **next - clk.now();
      wait = std::clamp<std::chrono::milliseconds>(
          until + std::chrono::milliseconds(1), least,
          std::max<std::chrono::milliseconds>(least, max_timer_wait));
    }
    if (only_sooner && deadline_armed &&
        deadline_timer.expiry() <= std::chrono::steady_clock::now() + wait)
      return;
    deadline_timer.expires_after(wait);
    deadline_armed = true;
    ++arms;
    deadline_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->deadline_armed = false;
      self->round(true, {});
    });
  }

  // One round of store work on the worker (`first`, then settling what is due when `settle`,
  // then reading the feed and the next deadline), then, on this thread, the feed applied, the
  // deadline timer re-armed and `then` called.
  void round(bool settle, std::function<void(impl&)> then, std::function<void()> first = {}) {
    worker.post([weak = weak_from_this(), &access = access, &changes = changes, &clk = clk,
                 executor = io.get_executor(), after = last_seq, arms_then = arms, settle,
                 first = std::move(first), then = std::move(then)]() mutable {
      store_round r;
      if (first) first();
      if (settle) r.settled = settle_due(access, clk);
      r.feed = read_feed(access, changes, after);
      r.next = access.next_deadline();
      asio::post(executor, [weak, arms_then, r = std::move(r), then = std::move(then)]() {
        auto self = weak.lock();
        if (!self || !self->running) return;
        self->apply(r.feed);
        self->arm_timer(r.next, !r.settled, self->arms != arms_then);
        if (then) then(*self);
      });
    });
  }

  // On the listener's thread: another daemon committed a change. One feed round at a time
  // (word arriving meanwhile asks for one more), so a burst of decisions costs a few rounds.
  void heard_from_other_daemons() {
    asio::post(io, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self || !self->running) return;
      if (self->listen_round_queued) {
        self->heard_again = true;
        return;
      }
      self->listen_round();
    });
  }

  // On the listener's thread: the store was lost or is back.
  void reachability_changed(bool reachable) {
    asio::post(io, [weak = weak_from_this(), reachable] {
      auto self = weak.lock();
      if (!self || !self->running || self->store_reachable == reachable) return;
      self->store_reachable = reachable;
      // Back: what fell due meanwhile is settled and the feed read from the last change seen.
      if (reachable) self->round(true, {});
      for (auto& fn : self->reachability_watchers) fn(reachable);
    });
  }

  void listen_round() {
    listen_round_queued = true;
    heard_again = false;
    round(false, [](impl& me) {
      me.listen_round_queued = false;
      if (me.heard_again) me.listen_round();
    });
  }

  void poll_feed() {
    if (!running) return;
    poll_timer.expires_after(changes.notifies_changes() ? feed_safety_poll_interval
                                                        : feed_poll_interval);
    poll_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->round(false, [](impl& me) { me.poll_feed(); });  // the next poll after this one
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
  impl_->worker.start();  // now, while descriptors and threads are plentiful
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
  impl_->listener.start();
}

void gate_service::stop() {
  impl_->running = false;
  impl_->listener.stop();
  impl_->deadline_timer.cancel();
  impl_->poll_timer.cancel();
  impl_->worker.stop();  // waits for the store call in progress, if any
}

decision gate_service::check(const target& t) const { return access_.check(t); }

result<request> gate_service::file_or_reuse(const target& t, const std::string& justification) {
  auto filed = find_or_file(access_, t, justification);
  changed();
  return filed;
}

void gate_service::check_async(const target& t, std::function<void(decision)> done) {
  impl_->off_thread([&access = access_, t] { return access.check(t); },
                    [done = std::move(done)](impl&, decision d) { done(std::move(d)); });
}

void gate_service::find_request_async(request_id id, std::function<void(result<request>)> done) {
  impl_->read_request(id, [done = std::move(done)](const result<request>& r) { done(r); });
}

void gate_service::file_or_reuse_async(const target& t, std::string justification,
                                       std::function<void(result<request>)> done) {
  // The filing comes first in the round, so that the feed read after it sees the new request.
  auto filed = std::make_shared<std::optional<result<request>>>();
  impl_->round(
      false, [filed, done = std::move(done)](impl&) { done(std::move(**filed)); },
      [filed, &access = access_, t, why = std::move(justification)] {
        *filed = find_or_file(access, t, why);
      });
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

subscription gate_service::watch_request_async(request_id id,
                                               std::function<void(const request&)> fn) {
  auto sub = impl_->add(impl_->request_watchers, id, std::move(fn));
  // Already decided: the watcher hears of it from the worker's read (the feed tells it of any
  // later decision); fire() finds no watcher once the subscription has ended.
  impl_->read_request(id, [weak = impl_->weak_from_this(), id](const result<request>& r) {
    auto self = weak.lock();
    if (self && r && !awaiting_decisions(*r)) impl::fire(self->request_watchers, id, *r);
  });
  return sub;
}

subscription gate_service::watch_grant_async(grant_id id, std::function<void(const grant&)> fn) {
  auto sub = impl_->add(impl_->grant_watchers, id, std::move(fn));
  impl_->off_thread([&access = access_, id] { return access.get_grant(id); },
                    [id](impl& self, result<grant> g) {
                      if (g && g->state != grant_state::active)
                        impl::fire(self.grant_watchers, id, *g);
                    });
  return sub;
}

void gate_service::changed() {
  impl_->drain();
  impl_->arm_deadline();
}

void gate_service::changed_async() { impl_->round(false, {}); }

bool gate_service::store_reachable() const { return impl_->store_reachable; }

void gate_service::on_store_reachability(std::function<void(bool reachable)> fn) {
  impl_->reachability_watchers.push_back(std::move(fn));
}

request_counts gate_service::counts() const { return impl_->tally.counts(); }

std::size_t gate_service::watcher_count() const {
  std::size_t n = 0;
  for (const auto& [id, w] : impl_->request_watchers) n += w.size();
  for (const auto& [id, w] : impl_->grant_watchers) n += w.size();
  return n;
}

}  // namespace gatehouse::policy
