#include "storage/sqlite/node_store.hpp"

#include <mutex>

#include "policy/record_codec.hpp"
#include "storage/node_outcome.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"

namespace gatehouse::storage::sqlite {

namespace {

using nodes::kill_order;
using nodes::kill_outcome;
using nodes::node_record;
using policy::codec::from_millis;
using policy::codec::to_millis;

class sqlite_node_store final : public nodes::node_store {
 public:
  explicit sqlite_node_store(std::unique_ptr<database> db) : db_(std::move(db)) {}

 private:
  result<void> register_node(const node_record& n) override {
    std::lock_guard lock(mutex_);
    auto upsert = db_->prepare(
        "INSERT OR REPLACE INTO nodes (id, instance_name, host, addresses, version, pid,"
        " started, heartbeat, gone_at, sessions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!upsert) return upsert.err();
    std::optional<std::int64_t> gone;
    if (n.gone) gone = to_millis(*n.gone);
    return (*upsert)
        ->bind(1, n.id)
        .bind(2, n.instance_name)
        .bind(3, n.host)
        .bind(4, n.addresses)
        .bind(5, n.version)
        .bind(6, n.pid)
        .bind(7, to_millis(n.started))
        .bind(8, to_millis(n.heartbeat))
        .bind(9, gone)
        .bind(10, n.sessions)
        .run();
  }

  result<void> heartbeat(const std::string& node, time_point now,
                         const std::string& sessions) override {
    std::lock_guard lock(mutex_);
    auto update = db_->prepare("UPDATE nodes SET heartbeat = ?, sessions = ? WHERE id = ?");
    if (!update) return update.err();
    if (auto r = (*update)->bind(1, to_millis(now)).bind(2, sessions).bind(3, node).run(); !r)
      return r.err();
    if (db_->changes() == 0) return make_error(error_code::not_found, "no node " + node);
    return {};
  }

  result<void> mark_gone(const std::string& node, time_point now) override {
    std::lock_guard lock(mutex_);
    auto update = db_->prepare("UPDATE nodes SET gone_at = ?, sessions = '[]' WHERE id = ?");
    if (!update) return update.err();
    return (*update)->bind(1, to_millis(now)).bind(2, node).run();
  }

  result<std::vector<node_record>> live_nodes(time_point forget_before) override {
    std::lock_guard lock(mutex_);
    const std::int64_t cutoff = to_millis(forget_before);
    if (auto orders = db_->prepare(
            "DELETE FROM kill_orders WHERE node IN (SELECT id FROM nodes WHERE"
            " COALESCE(gone_at, heartbeat) < ?) OR (outcome <> 'pending' AND ordered_at < ?)");
        !orders) {
      return orders.err();
    } else if (auto r = (*orders)->bind(1, cutoff).bind(2, cutoff).run(); !r) {
      return r.err();
    }
    if (auto forget = db_->prepare("DELETE FROM nodes WHERE COALESCE(gone_at, heartbeat) < ?");
        !forget) {
      return forget.err();
    } else if (auto r = (*forget)->bind(1, cutoff).run(); !r) {
      return r.err();
    }
    auto select = db_->prepare(
        "SELECT id, instance_name, host, addresses, version, pid, started, heartbeat, sessions"
        " FROM nodes WHERE gone_at IS NULL ORDER BY instance_name, id");
    if (!select) return select.err();
    std::vector<node_record> out;
    auto& s = **select;
    for (;;) {
      auto row = s.step();
      if (!row) return row.err();
      if (!*row) break;
      node_record n;
      n.id = s.text(0);
      n.instance_name = s.text(1);
      n.host = s.text(2);
      n.addresses = s.text(3);
      n.version = s.text(4);
      n.pid = s.integer(5);
      n.started = from_millis(s.integer(6));
      n.heartbeat = from_millis(s.integer(7));
      n.sessions = s.text(8);
      out.push_back(std::move(n));
    }
    return out;
  }

  result<std::int64_t> order_kill(const kill_order& k, time_point now) override {
    std::lock_guard lock(mutex_);
    auto insert = db_->prepare(
        "INSERT INTO kill_orders (node, session_id, by_whom, ordered_at, outcome)"
        " VALUES (?, ?, ?, ?, 'pending')");
    if (!insert) return insert.err();
    if (auto r = (*insert)
                     ->bind(1, k.node)
                     .bind(2, k.session_id)
                     .bind(3, k.by)
                     .bind(4, to_millis(now))
                     .run();
        !r)
      return r.err();
    return db_->last_insert_rowid();
  }

  result<std::vector<kill_order>> pending_kills(const std::string& node) override {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare(
        "SELECT id, session_id, by_whom FROM kill_orders WHERE node = ? AND outcome = 'pending'"
        " ORDER BY id");
    if (!select) return select.err();
    auto& s = **select;
    s.bind(1, node);
    std::vector<kill_order> out;
    for (;;) {
      auto row = s.step();
      if (!row) return row.err();
      if (!*row) break;
      out.push_back({s.integer(0), node, s.text(1), s.text(2)});
    }
    return out;
  }

  result<void> finish_kill(std::int64_t order, kill_outcome outcome) override {
    std::lock_guard lock(mutex_);
    auto update = db_->prepare("UPDATE kill_orders SET outcome = ? WHERE id = ?");
    if (!update) return update.err();
    return (*update)->bind(1, outcome_text(outcome)).bind(2, order).run();
  }

  result<kill_outcome> outcome_of(std::int64_t order) override {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT outcome FROM kill_orders WHERE id = ?");
    if (!select) return select.err();
    (*select)->bind(1, order);
    auto row = (*select)->step();
    if (!row) return row.err();
    if (!*row) return make_error(error_code::not_found, "no kill order " + std::to_string(order));
    return parse_outcome((*select)->text(0));
  }

  std::mutex mutex_;
  std::unique_ptr<database> db_;
};

}  // namespace

result<std::unique_ptr<nodes::node_store>> open_node_store(const std::string& path) {
  auto db = open_migrated(path, {});
  if (!db)
    return make_error(error_code::internal,
                      "cannot open the node table in " + path + ": " + db.message());
  return std::unique_ptr<nodes::node_store>(new sqlite_node_store(std::move(*db)));
}

}  // namespace gatehouse::storage::sqlite
