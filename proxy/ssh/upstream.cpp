#include "proxy/ssh/upstream.hpp"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include "certs/certificate.hpp"
#include "certs/ssh_wire.hpp"
#include "config/ssh_key_text.hpp"
#include "proxy/ssh/algorithms.hpp"
#include "proxy/ssh/keys.hpp"

namespace gatehouse::proxy::ssh {

namespace asio = boost::asio;
using asio::ip::tcp;

upstream::upstream(asio::any_io_executor executor, const policy::authorization& authorization,
                   upstream_params params)
    : executor_(executor),
      params_(std::move(params)),
      authorized_(authorization.server() == params_.server &&
                  authorization.account() == params_.account),
      resolver_(executor),
      socket_(executor),
      deadline_(executor),
      watch_(executor) {}

upstream::~upstream() { close(); }

std::string upstream::where() const { return params_.account + "@" + params_.server; }

void upstream::start(std::function<void()> wake) {
  wake_ = std::move(wake);
  if (!authorized_) {  // the authorization is for another target: never dial
    state_ = state::connecting;
    fail("no authorization for " + where());
    asio::post(executor_, wake_);
    return;
  }
  state_ = state::connecting;
  deadline_.expires_after(params_.connect_timeout);
  deadline_.async_wait([this, wake = wake_](boost::system::error_code ec) {
    if (ec || state_ == state::ready || state_ == state::failed) return;
    fail(state_ == state::connecting
             ? "cannot reach " + params_.server + ": no answer within " +
                   std::to_string(params_.connect_timeout.count()) + "s"
             : "SSH handshake with " + params_.server + " did not finish in time");
    wake();
  });
  resolver_.async_resolve(
      params_.host, std::to_string(params_.port), tcp::resolver::numeric_service,
      [this, wake = wake_](boost::system::error_code ec, tcp::resolver::results_type results) {
        if (ec == asio::error::operation_aborted || state_ != state::connecting) return;
        if (ec) {
          fail("cannot reach " + params_.server + ": " + ec.message());
          wake();
          return;
        }
        asio::async_connect(
            socket_, results, [this, wake](boost::system::error_code ec, const tcp::endpoint&) {
              if (ec == asio::error::operation_aborted || state_ != state::connecting) return;
              if (ec) {
                fail("cannot reach " + params_.server + ": " + ec.message());
              } else {
                on_connected(std::move(socket_));
              }
              wake();
            });
      });
}

void upstream::on_connected(tcp::socket socket) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.set_option(tcp::no_delay(true), ec);
  fd_ = socket.release(ec);
  if (ec || fd_ < 0) return fail("cannot reach " + params_.server + ": " + ec.message());
  session_ = ssh_new();
  if (session_ == nullptr) return fail("out of memory connecting to " + params_.server);
  int port = params_.port;
  if (ssh_options_set(session_, SSH_OPTIONS_FD, &fd_) != SSH_OK ||
      ssh_options_set(session_, SSH_OPTIONS_HOST, params_.host.c_str()) != SSH_OK ||
      ssh_options_set(session_, SSH_OPTIONS_PORT, &port) != SSH_OK ||
      ssh_options_set(session_, SSH_OPTIONS_USER, params_.account.c_str()) != SSH_OK)
    return fail("cannot set up the SSH client for " + params_.server);
  if (auto e = apply_upstream_algorithms(session_, host_key_algorithms_for_pin(params_.host_key));
      !e.empty())
    return fail("cannot set up the SSH client for " + params_.server + ": " + e);
  ssh_set_blocking(session_, 0);
  ssh_set_counters(session_, &counter_, nullptr);
  if (!watch_.watch(session_, fd_)) return fail("cannot watch the connection to " + params_.server);
  state_ = state::key_exchange;
  deadline_.expires_after(params_.handshake_timeout);
  deadline_.async_wait([this, wake = wake_](boost::system::error_code ec) {
    if (ec || state_ == state::ready || state_ == state::failed) return;
    fail("SSH handshake with " + params_.server + " did not finish in time");
    wake();
  });
}

bool upstream::check_host_key() {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session_, &key) != SSH_OK || key == nullptr) {
    fail(params_.server + " sent no host key");
    return false;
  }
  fingerprint_ = fingerprint_sha256(key);
  auto result = check_host_key_pin(key, params_.host_key);
  ssh_key_free(key);
  switch (result) {
    case pin_result::match: return true;
    case pin_result::bad_pin:
      fail("the pinned host key of " + params_.server + " cannot be read");
      return false;
    case pin_result::mismatch:
      fail(params_.server +
               " presented a host key that does not match its pinned key; refusing to connect",
           "hostkey.mismatch");
      return false;
  }
  return false;
}

void upstream::step() {
  if (state_ == state::key_exchange) {
    connect_called_ = true;
    int rc = ssh_connect(session_);
    if (rc == SSH_AGAIN) return;
    if (rc != SSH_OK)
      return fail("SSH handshake with " + params_.server + " failed: " + ssh_get_error(session_));
    if (!check_host_key() || !load_key()) return;
    state_ = state::authenticating;
  }
  if (state_ == state::authenticating) {
    int rc = ssh_userauth_publickey(session_, nullptr, account_key_);
    if (rc == SSH_AUTH_AGAIN) return;
    if (rc == SSH_AUTH_SUCCESS) {
      state_ = state::ready;
      deadline_.cancel();
      return;
    }
    if (rc == SSH_AUTH_ERROR)
      return fail("logging in to " + where() + " failed: " + ssh_get_error(session_));
    return fail(params_.server + " refused the " +
                (params_.use_certificate ? "certificate" : "key") + " of account " +
                params_.account);
  }
}

bool upstream::load_key() {
  if (params_.use_certificate) return mint_certificate_key();
  if (ssh_pki_import_privkey_file(params_.key_file.c_str(), nullptr, nullptr, nullptr,
                                  &account_key_) == SSH_OK)
    return true;
  fail("the key of " + where() + " cannot be loaded; tell an administrator");
  return false;
}

// A fresh Ed25519 key and a certificate over it: libssh makes the key, we encode and sign
// the certificate (libssh cannot), libssh imports it and pairs it with the key.
bool upstream::mint_certificate_key() {
  const std::string problem =
      "no certificate could be made for " + where() + "; tell an administrator";
  char* public_text = nullptr;
  if (!params_.ca || ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &account_key_) != SSH_OK ||
      ssh_pki_export_pubkey_base64(account_key_, &public_text) != SSH_OK) {
    fail(problem);
    return false;
  }
  auto public_blob = config::decode_base64(public_text, true);
  ssh_string_free_char(public_text);
  certs::wire_reader blob(public_blob ? *public_blob : std::string_view());
  blob.string();  // "ssh-ed25519"
  auto public_key = blob.string();
  certs::certificate fields;
  std::string certificate;
  if (public_key && public_key->size() == 32) {
    fields = certs::session_certificate(*public_key, params_.certificate);
    if (!fields.nonce.empty()) certificate = certs::encode_certificate(fields, *params_.ca);
  }
  ssh_key imported = nullptr;
  bool paired = !certificate.empty() &&
                ssh_pki_import_cert_base64(certs::base64_encode(certificate).c_str(),
                                           SSH_KEYTYPE_ED25519_CERT01, &imported) == SSH_OK &&
                ssh_pki_copy_cert_to_privkey(imported, account_key_) == SSH_OK;
  if (imported != nullptr) ssh_key_free(imported);
  if (!paired) {
    fail(problem);
    return false;
  }
  certificate_key_id_ = fields.key_id;
  certificate_serial_ = fields.serial;
  return true;
}

void upstream::arm(bool want_read) {
  watch_.sync();
  if (session_ == nullptr || !watch_.watching() || state_ == state::failed || !wake_) return;
  watch_.arm((ssh_get_status(session_) & SSH_WRITE_PENDING) != 0, wake_, want_read);
}

void upstream::fail(std::string text, std::string event) {
  if (state_ == state::failed) return;
  state_ = state::failed;
  failure_ = std::move(text);
  failure_event_ = std::move(event);
  deadline_.cancel();
}

void upstream::close() {
  state_ = state::failed;
  wake_ = nullptr;
  boost::system::error_code ignored;
  resolver_.cancel();
  socket_.close(ignored);
  deadline_.cancel();
  watch_.release();
  // Before ssh_connect() the fd is only in the options and is ours to close; afterwards
  // libssh may have closed it itself (errors, the peer's DISCONNECT), and ssh_disconnect()
  // leaves an SSH_OPTIONS_FD socket open: close it only if libssh still holds it.
  bool close_fd = fd_ >= 0 && (!connect_called_ || ssh_get_fd(session_) == fd_);
  if (session_ != nullptr) {
    if (ssh_get_fd(session_) >= 0) {
      ssh_blocking_flush(session_, 0);
      ssh_set_fd_towrite(session_);  // lets the DISCONNECT go out at once
    }
    ssh_disconnect(session_);
    ssh_free(session_);
    session_ = nullptr;
  }
  if (close_fd) ::close(fd_);
  fd_ = -1;
  if (account_key_ != nullptr) {
    ssh_key_free(account_key_);
    account_key_ = nullptr;
  }
}

upstream_params upstream_params_for(const config::config& cfg, const config::server& server,
                                    const config::account& account, const policy::authorization& a,
                                    const std::string& session_id,
                                    std::shared_ptr<const certs::certificate_authority> ca,
                                    bool permit_port_forwarding) {
  upstream_params params;
  params.server = server.name;
  params.host = server.address.host;
  params.port = server.address.port;
  params.host_key = server.host_key;
  params.account = account.name;
  params.key_file = account.key_file;
  if (account.auth != config::account_auth::certificate) return params;
  params.use_certificate = true;
  params.ca = std::move(ca);
  auto& t = params.certificate;
  t.person = a.person();
  if (auto grant = a.grant()) t.grant = std::to_string(*grant);
  t.session = session_id;
  t.account = a.account();
  auto seconds = [](auto tp) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count());
  };
  t.now = seconds(std::chrono::system_clock::now());
  if (auto until = a.until())
    t.valid_before = seconds(*until);
  else
    t.valid_before = t.now + static_cast<std::uint64_t>(cfg.ssh.certificate_validity.count());
  t.source_address = cfg.ssh.certificate_source_address;
  t.permit_port_forwarding = permit_port_forwarding;
  return params;
}

}  // namespace gatehouse::proxy::ssh
