#pragma once
// One gated web app's upstream: a bounded pool of idle keep-alive connections to it (TCP, or TLS
// verified against the target's ca_file with SNI and host name verification). The app front
// end keeps one per app; the relay engine (apps/relay/relay.hpp) borrows connections from it.
// A connection goes back to the pool only after a complete, reusable exchange; at most
// relay_limits::pool_per_app idle ones are kept, and one idle for longer than idle_time is
// closed when next looked at. Thread: the io thread. Connections borrowed when the pool is
// destroyed are simply closed when their exchange ends.
#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <memory>

#include "apps/relay/upstream_target.hpp"

namespace gatehouse::apps {

class upstream_pool {
 public:
  upstream_pool(boost::asio::any_io_executor executor, upstream_target target,
                const relay_limits& limits);
  ~upstream_pool();
  upstream_pool(const upstream_pool&) = delete;
  upstream_pool& operator=(const upstream_pool&) = delete;

  void close_idle();
  std::size_t idle() const;
  const upstream_target& target() const;
  // Upstream connections opened since the pool was made (for /metrics and the tests).
  std::size_t opened() const;

  struct state;  // apps/relay/upstream_connection.hpp
  const std::shared_ptr<state>& shared_state() const { return state_; }

 private:
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::apps
