// The PostgreSQL node store (nodes/node_store.hpp): tables nodes and kill_orders on a pool of
// its own. Each daemon writes only its own node row and answers only its own kill orders, so
// no call needs more than one statement's atomicity; a kill order is answered once because
// only its node's one presence thread carries it out.
#include "policy/record_codec.hpp"
#include "storage/node_outcome.hpp"
#include "storage/postgresql/connection.hpp"
#include "storage/postgresql/parts.hpp"

namespace gatehouse::storage::postgresql {

namespace {

using nodes::kill_order;
using nodes::kill_outcome;
using nodes::node_record;
using policy::codec::from_millis;
using policy::codec::to_millis;

constexpr std::size_t pool_size = 2;  // the presence thread and the admin socket's worker

class pg_node_store final : public nodes::node_store {
 public:
  explicit pg_node_store(std::unique_ptr<pool> p) : pool_(std::move(p)) {}

 private:
  template <typename F>
  auto with(F f) -> decltype(f(std::declval<connection&>())) {
    return with_connection(*pool_, f);
  }

  result<void> register_node(const node_record& n) override {
    return with([&](connection& c) -> result<void> {
      std::optional<std::int64_t> gone;
      if (n.gone) gone = to_millis(*n.gone);
      auto r = c.query(
          "INSERT INTO nodes (id, instance_name, host, addresses, version, pid, started,"
          " heartbeat, gone_at, sessions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
          " ON CONFLICT (id) DO UPDATE SET instance_name = $2, host = $3, addresses = $4,"
          " version = $5, pid = $6, started = $7, heartbeat = $8, gone_at = $9, sessions = $10",
          params()
              .add(n.id)
              .add(n.instance_name)
              .add(n.host)
              .add(n.addresses)
              .add(n.version)
              .add(n.pid)
              .add(to_millis(n.started))
              .add(to_millis(n.heartbeat))
              .add(gone)
              .add(n.sessions));
      if (!r) return r.err();
      return {};
    });
  }

  result<void> heartbeat(const std::string& node, time_point now,
                         const std::string& sessions) override {
    return with([&](connection& c) -> result<void> {
      auto r = c.query("UPDATE nodes SET heartbeat = $1, sessions = $2 WHERE id = $3",
                       params().add(to_millis(now)).add(sessions).add(node));
      if (!r) return r.err();
      if (r->affected() == 0) return make_error(error_code::not_found, "no node " + node);
      return {};
    });
  }

  result<void> mark_gone(const std::string& node, time_point now) override {
    return with([&](connection& c) -> result<void> {
      auto r = c.query("UPDATE nodes SET gone_at = $1, sessions = '[]' WHERE id = $2",
                       params().add(to_millis(now)).add(node));
      if (!r) return r.err();
      return {};
    });
  }

  result<std::vector<node_record>> live_nodes(time_point forget_before) override {
    return with([&](connection& c) -> result<std::vector<node_record>> {
      const std::int64_t cutoff = to_millis(forget_before);
      if (auto r = c.query(
              "DELETE FROM kill_orders WHERE node IN (SELECT id FROM nodes WHERE"
              " COALESCE(gone_at, heartbeat) < $1) OR (outcome <> 'pending' AND ordered_at < $1)",
              params().add(cutoff));
          !r)
        return r.err();
      if (auto r = c.query("DELETE FROM nodes WHERE COALESCE(gone_at, heartbeat) < $1",
                           params().add(cutoff));
          !r)
        return r.err();
      auto r = c.query(
          "SELECT id, instance_name, host, addresses, version, pid, started, heartbeat, sessions"
          " FROM nodes WHERE gone_at IS NULL ORDER BY instance_name, id");
      if (!r) return r.err();
      std::vector<node_record> out;
      for (int i = 0; i < r->count(); ++i) {
        node_record n;
        n.id = r->text(i, 0);
        n.instance_name = r->text(i, 1);
        n.host = r->text(i, 2);
        n.addresses = r->text(i, 3);
        n.version = r->text(i, 4);
        n.pid = r->integer(i, 5);
        n.started = from_millis(r->integer(i, 6));
        n.heartbeat = from_millis(r->integer(i, 7));
        n.sessions = r->text(i, 8);
        out.push_back(std::move(n));
      }
      return out;
    });
  }

  result<std::int64_t> order_kill(const kill_order& k, time_point now) override {
    return with([&](connection& c) -> result<std::int64_t> {
      auto r = c.query(
          "INSERT INTO kill_orders (node, session_id, by_whom, ordered_at, outcome)"
          " VALUES ($1, $2, $3, $4, 'pending') RETURNING id",
          params().add(k.node).add(k.session_id).add(k.by).add(to_millis(now)));
      if (!r) return r.err();
      return r->integer(0, 0);
    });
  }

  result<std::vector<kill_order>> pending_kills(const std::string& node) override {
    return with([&](connection& c) -> result<std::vector<kill_order>> {
      auto r = c.query(
          "SELECT id, session_id, by_whom FROM kill_orders WHERE node = $1"
          " AND outcome = 'pending' ORDER BY id",
          params().add(node));
      if (!r) return r.err();
      std::vector<kill_order> out;
      for (int i = 0; i < r->count(); ++i)
        out.push_back({r->integer(i, 0), node, r->text(i, 1), r->text(i, 2)});
      return out;
    });
  }

  result<void> finish_kill(std::int64_t order, kill_outcome outcome) override {
    return with([&](connection& c) -> result<void> {
      auto r = c.query("UPDATE kill_orders SET outcome = $1 WHERE id = $2",
                       params().add(outcome_text(outcome)).add(order));
      if (!r) return r.err();
      return {};
    });
  }

  result<kill_outcome> outcome_of(std::int64_t order) override {
    return with([&](connection& c) -> result<kill_outcome> {
      auto r = c.query("SELECT outcome FROM kill_orders WHERE id = $1", params().add(order));
      if (!r) return r.err();
      if (r->count() == 0)
        return make_error(error_code::not_found, "no kill order " + std::to_string(order));
      return parse_outcome(r->text(0, 0));
    });
  }

  std::unique_ptr<pool> pool_;
};

}  // namespace

result<std::unique_ptr<nodes::node_store>> open_node_store(const std::string& conninfo,
                                                           const std::string& shown_url) {
  auto p = pool::open(conninfo, pool_size);
  if (!p)
    return make_error(error_code::internal,
                      "cannot open the node table in " + shown_url + ": " + p.message());
  return std::unique_ptr<nodes::node_store>(new pg_node_store(std::move(*p)));
}

}  // namespace gatehouse::storage::postgresql
