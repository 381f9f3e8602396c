#pragma once
// The client leg of a proxied SSH connection: Gatehouse logging in to the target server as
// the account, with the account's key, after checking the server's pinned host key
// (SPEC "SSH"; research/tech.md §3).
//
//   start()  (with the policy's authorization) resolves and connects with Asio (deadline: connect_timeout), then hands the
//            socket to libssh (SSH_OPTIONS_FD, no config files, strong algorithms only);
//   step()   drives the non-blocking handshake: key exchange -> host key pin -> public-key
//            authentication; the owner calls it from its pump and arms the socket_watch;
//   the whole handshake must finish within handshake_timeout.
// Failures end in state::failed with a sentence for the person (failure()) and, for a host
// key mismatch, the audit event name "hostkey.mismatch" (failure_event()).
//
// Ownership: one connection owns one upstream; libssh owns the socket fd (we close it after
// ssh_disconnect, which does not close an SSH_OPTIONS_FD socket). Teardown in close():
// stop the watch, disconnect, free, close the fd. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libssh/libssh.h>

#include <chrono>
#include <functional>
#include <string>

#include "policy/decision.hpp"
#include "proxy/ssh/socket_watch.hpp"

namespace gatehouse::proxy::ssh {

struct upstream_params {
  std::string server;  // name, for messages
  std::string host;    // address to connect to
  std::uint16_t port = 22;
  std::string host_key;  // the pin: "TYPE BASE64" or "SHA256:..."
  std::string account;
  std::string key_file;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds handshake_timeout{30};
};

class upstream {
 public:
  enum class state { idle, connecting, key_exchange, authenticating, ready, failed };

  // Only with the policy's authorization for exactly this server and account (the hold's
  // outcome); one for another target fails at start() without dialling.
  upstream(boost::asio::any_io_executor executor, const policy::authorization& authorization,
           upstream_params params);
  ~upstream();
  upstream(const upstream&) = delete;
  upstream& operator=(const upstream&) = delete;

  // `wake` is called (on the io_context) whenever step() should run; it should keep the
  // owner alive.
  void start(std::function<void()> wake);
  void step();
  // Arms the socket waits libssh needs now (reads always, writes when output is buffered).
  void arm(bool want_read = true);
  void close();

  state current() const { return state_; }
  bool ready() const { return state_ == state::ready; }
  bool failed() const { return state_ == state::failed; }
  const std::string& failure() const { return failure_; }
  const std::string& failure_event() const { return failure_event_; }
  const std::string& host_key_fingerprint() const { return fingerprint_; }
  ssh_session session() const { return session_; }
  ssh_counter counter() { return &counter_; }
  const upstream_params& params() const { return params_; }

 private:
  void on_connected(boost::asio::ip::tcp::socket socket);
  void fail(std::string text, std::string event = {});
  bool check_host_key();
  std::string where() const;

  boost::asio::any_io_executor executor_;
  upstream_params params_;
  bool authorized_ = false;
  std::function<void()> wake_;
  state state_ = state::idle;
  std::string failure_, failure_event_, fingerprint_;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  socket_watch watch_;
  ssh_session session_ = nullptr;
  ssh_key account_key_ = nullptr;
  int fd_ = -1;
  bool connect_called_ = false;
  ssh_counter_struct counter_{};
};

}  // namespace gatehouse::proxy::ssh
