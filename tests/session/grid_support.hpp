#pragma once
// What the hold grid tests of both front ends share: a scripted gate (session::gate) whose
// decisions and request outcomes a test sets, answering like the daemon's (posted, never
// inside the call) and handing out real policy::authorizations (minted by policy::decide over
// a live grant, so nothing forges one); a configuration with alice, web01 (ssh) and win01
// (rdp) whose addresses point at a fake upstream; an event recorder; and run_until, which
// turns the io_context until a condition holds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session::testing {

// How the scripted gate answers one connection's story.
struct script {
  verdict first = verdict::allow;  // the first check
  // What the held request becomes, and when (none: it stays pending).
  std::optional<request_state> decided_to;
  std::chrono::milliseconds decided_after{200};
  std::chrono::seconds hold_timeout{30};
  // Checks number store_away_from..store_away_until (counted from 1) cannot reach the access
  // store: they answer approval_needed marked store_unreachable, as the daemon's gate does.
  int store_away_from = 0, store_away_until = 0;
  // The rule files nothing without a reason (require_justification): a filing without one is
  // refused with policy::justification_required_text, as the daemon's gate does.
  bool reason_required = false;
};

class scripted_gate final : public gate {
 public:
  scripted_gate(boost::asio::io_context& io, std::shared_ptr<const config::config> cfg)
      : io_(io), config_(std::move(cfg)) {}

  script plan;
  int checks = 0;
  std::vector<std::string> justifications;  // as filed
  int watches = 0, watches_cancelled = 0;
  request_status request{42, request_state::pending, {"bob"}, {}, {}};

  void check(const target& t, std::function<void(decision)> done) override;
  void file_or_reuse(const target& t, const std::string& justification,
                     std::function<void(filing)> done) override;
  void find_request(std::int64_t id,
                    std::function<void(std::optional<request_status>)> done) override;
  watch watch_request(std::int64_t id, std::function<void(const request_status&)> fn) override;
  watch watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) override;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const config::config> config_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
};

struct recorded_event {
  std::string name;
  boost::json::object fields;
  std::string text(const std::string& key) const;  // the field as a string; "" when absent
};

class event_recorder {
 public:
  event_sink sink();
  // The events named `name` (in order).
  std::vector<recorded_event> named(const std::string& name) const;
  bool has(const std::string& name) const { return !named(name).empty(); }
  std::vector<recorded_event> all;
};

// A scratch directory with keys (ssh-keygen) and the configuration the grid runs on.
class grid_files {
 public:
  grid_files();
  ~grid_files();
  grid_files(const grid_files&) = delete;
  grid_files& operator=(const grid_files&) = delete;
  // The configuration, with both servers at 127.0.0.1:`upstream_port`.
  std::shared_ptr<const config::config> config(std::uint16_t upstream_port) const;
  std::string alice_key;  // alice's private key file
  std::string dir;

 private:
  std::string host_key_, account_key_, alice_public_, upstream_public_;
};

// Turns `io` until `done()` holds or `limit` passes; returns done().
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(10));

// A TCP acceptor on 127.0.0.1 that keeps what the front end dials: accepted sockets and the
// first bytes each one sent.
class fake_upstream {
 public:
  explicit fake_upstream(boost::asio::io_context& io);
  std::uint16_t port() const;
  std::size_t accepted() const { return sockets_.size(); }
  const std::string& received() const { return received_; }
  void close_all();  // the server goes away: the front end's upstream fails

 private:
  void accept_next();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::string received_;
  std::array<char, 512> buffer_{};
};

// A listening socket whose accepted fds go to `take` (a front end's accept).
class test_listener {
 public:
  test_listener(boost::asio::io_context& io, std::function<void(int fd, std::string peer)> take);
  std::uint16_t port() const;

 private:
  void accept_next();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::function<void(int, std::string)> take_;
};

}  // namespace gatehouse::proxy::session::testing
