#pragma once
// The client leg of a proxied SSH connection: Gatehouse logging in to the target server as
// the account, after checking the server's pinned host key (SPEC "SSH"; research/tech.md §3),
// with the account's key file, or (account `auth: certificate`, params.ca set) with a fresh
// Ed25519 key made for this session in memory and a certificate over it that the gate's CA
// signs now (certs/session_certificate; research/wave2.md §3.2): the key never leaves the
// process and goes with the upstream.
//
//   start()  (with the policy's authorization) resolves and connects with Asio (deadline:
//   connect_timeout), then hands the
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
#include <memory>
#include <string>

#include "certs/certificate_authority.hpp"
#include "certs/session_certificate.hpp"
#include "config/config.hpp"
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
  // Certificate login: the CA that signs and the certificate's terms (person, grant, session,
  // validity, source address, extensions); no key file is read.
  bool use_certificate = false;
  std::shared_ptr<const certs::certificate_authority> ca;  // null: none could be loaded
  certs::session_certificate_terms certificate;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds handshake_timeout{30};
};

// The parameters of the upstream leg to `account` of `server` under authorization `a`, for the
// session `session_id`: address, pinned host key, key file, or (`auth: certificate`) the CA and
// the certificate's terms: who, which grant, this session, until the grant ends (an `allow` rule
// has no end: ssh.certificate_validity from now), the gate's source address. Timeouts stay the
// defaults; the caller sets its own. One place for the SSH front end and the browser terminal.
upstream_params upstream_params_for(const config::config& cfg, const config::server& server,
                                    const config::account& account, const policy::authorization& a,
                                    const std::string& session_id,
                                    std::shared_ptr<const certs::certificate_authority> ca,
                                    bool permit_port_forwarding);

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
  // The certificate's key id and serial once one was minted ("" and 0 with a key file).
  const std::string& certificate_key_id() const { return certificate_key_id_; }
  std::uint64_t certificate_serial() const { return certificate_serial_; }
  ssh_session session() const { return session_; }
  ssh_counter counter() { return &counter_; }
  const upstream_params& params() const { return params_; }

 private:
  void on_connected(boost::asio::ip::tcp::socket socket);
  void fail(std::string text, std::string event = {});
  bool check_host_key();
  bool load_key();
  bool mint_certificate_key();
  std::string where() const;

  boost::asio::any_io_executor executor_;
  upstream_params params_;
  bool authorized_ = false;
  std::function<void()> wake_;
  state state_ = state::idle;
  std::string failure_, failure_event_, fingerprint_;
  std::string certificate_key_id_;
  std::uint64_t certificate_serial_ = 0;

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
