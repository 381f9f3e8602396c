#include "nodes/node_presence.hpp"

#include <boost/json/array.hpp>
#include <spdlog/spdlog.h>

#include <system_error>

#include "core/json_text.hpp"

namespace gatehouse::nodes {

namespace {
// Nodes silent this long are deleted from the table (with their finished kill orders).
constexpr auto forget_after = std::chrono::hours(1);
// How long the thread waits for the io thread's answer before it goes on without it.
constexpr auto io_answer_wait = std::chrono::milliseconds(1000);

bool lists_session(const std::string& sessions, const std::string& id) {
  std::error_code ec;
  auto parsed = json_parse_text(sessions, ec);
  if (ec || !parsed.is_array()) return false;
  for (const auto& s : parsed.as_array()) {
    const auto* o = s.if_object();
    const auto* sid = o ? o->if_contains("id") : nullptr;
    if (sid && sid->is_string() && sid->get_string() == id) return true;
  }
  return false;
}
}  // namespace

node_presence::node_presence(node_store& store, node_record me, presence_hooks hooks,
                             const clock& c, presence_timing timing)
    : store_(store), me_(std::move(me)), hooks_(std::move(hooks)), clock_(c), timing_(timing) {}

node_presence::~node_presence() { stop(); }

void node_presence::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void node_presence::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool node_presence::stale(const node_record& n, time_point now) const {
  return now - n.heartbeat > 3 * timing_.heartbeat;
}

std::vector<node_record> node_presence::peers() const {
  std::lock_guard lock(mutex_);
  return peers_;
}

std::optional<node_record> node_presence::owner_of(const std::string& session_id) const {
  const time_point now = clock_.now();
  for (auto& n : peers())
    if (n.id != me_.id && !stale(n, now) && lists_session(n.sessions, session_id)) return n;
  return std::nullopt;
}

policy::result<kill_outcome> node_presence::kill_elsewhere(const std::string& owner,
                                                           const std::string& session_id,
                                                           const std::string& by,
                                                           std::chrono::milliseconds timeout) {
  auto order = store_.order_kill({0, owner, session_id, by}, clock_.now());
  if (!order) return order.err();
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto outcome = store_.outcome_of(*order);
    if (!outcome) return outcome.err();
    if (*outcome != kill_outcome::pending) return *outcome;
    if (std::chrono::steady_clock::now() >= give_up) return kill_outcome::pending;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string node_presence::snapshot_from_io() {
  {
    std::lock_guard lock(mutex_);
    snapshot_.reset();
  }
  hooks_.post_to_io([this] {
    std::string taken = hooks_.sessions_json();
    {
      std::lock_guard lock(mutex_);
      snapshot_ = std::move(taken);
    }
    wake_.notify_all();
  });
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, io_answer_wait, [this] { return snapshot_.has_value() || stopping_; });
  return snapshot_.value_or("[]");
}

void node_presence::publish() {
  const std::string sessions = snapshot_from_io();
  const time_point now = clock_.now();
  auto beat = registered_ ? store_.heartbeat(me_.id, now, sessions)
                          : policy::result<void>(policy::make_error(policy::error_code::not_found,
                                                                    "not registered yet"));
  if (!beat && beat.code() == policy::error_code::not_found) {
    node_record row = me_;
    row.heartbeat = now;
    row.sessions = sessions;
    beat = store_.register_node(row);
    registered_ = beat.ok();
  }
  auto nodes = beat ? store_.live_nodes(now - forget_after)
                    : policy::result<std::vector<node_record>>(beat.err());
  if (!nodes) {
    if (!store_problem_logged_)
      spdlog::warn("node {}: cannot publish its heartbeat: {}", me_.id, nodes.message());
    store_problem_logged_ = true;
    return;
  }
  if (store_problem_logged_) spdlog::info("node {}: heartbeating again", me_.id);
  store_problem_logged_ = false;
  std::lock_guard lock(mutex_);
  peers_ = std::move(*nodes);
}

void node_presence::carry_out_kill_orders() {
  auto orders = store_.pending_kills(me_.id);
  if (!orders || orders->empty()) return;
  {
    std::lock_guard lock(mutex_);
    kills_done_.clear();
  }
  for (const auto& order : *orders)
    hooks_.post_to_io([this, order] {
      bool killed = hooks_.kill_here(order.session_id, order.by);
      spdlog::info("node {}: kill order {} from another node: session {} {}", me_.id, order.id,
                   order.session_id, killed ? "ended" : "not here");
      {
        std::lock_guard lock(mutex_);
        kills_done_.emplace_back(order.id, killed);
      }
      wake_.notify_all();
    });
  std::vector<std::pair<std::int64_t, bool>> done;
  {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, io_answer_wait,
                   [&] { return kills_done_.size() == orders->size() || stopping_; });
    done.swap(kills_done_);
  }
  for (auto [id, killed] : done)
    if (auto r =
            store_.finish_kill(id, killed ? kill_outcome::killed : kill_outcome::unknown_session);
        !r)
      spdlog::warn("node {}: cannot answer kill order {}: {}", me_.id, id, r.message());
}

void node_presence::run() {
  auto next_beat = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
    }
    if (std::chrono::steady_clock::now() >= next_beat) {
      publish();
      next_beat = std::chrono::steady_clock::now() + timing_.heartbeat;
    }
    carry_out_kill_orders();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, timing_.kill_poll, [this] { return stopping_; });
  }
  if (registered_)
    if (auto r = store_.mark_gone(me_.id, clock_.now()); !r)
      spdlog::warn("node {}: cannot mark itself gone: {}", me_.id, r.message());
}

}  // namespace gatehouse::nodes
