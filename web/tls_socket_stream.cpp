// The OpenSSL half of web::tls_socket_stream (web/tls_socket_stream.hpp): the socket BIO, one
// TLS step at a time (handshake, read, write, shutdown) with its outcome as an error code or
// what to wait for, and the deadline timers. Thread: the stream's (the io thread).
#include "web/tls_socket_stream.hpp"

#include <sys/socket.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <climits>
#include <new>

namespace gatehouse::web {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace tls_socket_detail {

namespace {

socket_state* owner(BIO* bio) { return static_cast<socket_state*>(BIO_get_data(bio)); }

bool retryable(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

// Never touches a descriptor the socket no longer owns (a closed socket's number may be reused).
int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  auto* s = owner(bio);
  if (!s->socket.is_open()) {
    s->last_errno = EBADF;
    return -1;
  }
  auto n = ::send(s->socket.native_handle(), data, static_cast<std::size_t>(size),
                  MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);
  s->last_errno = errno;
  if (retryable(s->last_errno)) BIO_set_retry_write(bio);
  return -1;
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  auto* s = owner(bio);
  if (!s->socket.is_open()) {
    s->last_errno = EBADF;
    return -1;
  }
  auto n = ::recv(s->socket.native_handle(), data, static_cast<std::size_t>(size), MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);  // 0: the peer closed
  s->last_errno = errno;
  if (retryable(s->last_errno)) BIO_set_retry_read(bio);
  return -1;
}

long bio_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gatehouse socket");
    if (!m || BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_read(m, bio_read) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1)
      throw std::bad_alloc();
    return m;
  }();
  return method;
}

error_code openssl_error(unsigned long e) {
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    return asio::ssl::error::stream_truncated;
  return error_code(static_cast<int>(e), asio::error::get_ssl_category());
}

}  // namespace

socket_state::socket_state(asio::ip::tcp::socket s, asio::ssl::context& context)
    : socket(std::move(s)),
      timers_{{asio::steady_timer(socket.get_executor())},
              {asio::steady_timer(socket.get_executor())}} {
  ssl = SSL_new(context.native_handle());
  BIO* bio = ssl ? BIO_new(socket_method()) : nullptr;
  if (!bio) {
    SSL_free(ssl);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl, bio, bio);  // the SSL object owns the BIO
  // Beast hands a write the same bytes again at another address after a partial write.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A record in one recv(2), not its 5-byte header and then its body in two. Safe because
  // every wait for readability follows an SSL_read that asked for more bytes (operation<>):
  // what OpenSSL has read ahead is always consumed before the socket is waited on.
  SSL_set_read_ahead(ssl, 1);
  // Each write is a whole TLS record (small pieces are joined first): none may wait for the
  // peer's delayed ACK (a handshake over 40 ms, a reply behind its head).
  error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
}

socket_state::~socket_state() {
  SSL_free(ssl);
  close();
}

void socket_state::close() {
  error_code ignored;
  socket.close(ignored);
}

void socket_state::start_handshake(asio::ssl::stream_base::handshake_type type) {
  if (type == asio::ssl::stream_base::server)
    SSL_set_accept_state(ssl);
  else
    SSL_set_connect_state(ssl);
}

step socket_state::outcome(int result) {
  int why = SSL_get_error(ssl, result);
  step s;
  switch (why) {
    case SSL_ERROR_WANT_READ: s.wait = want::read; break;
    case SSL_ERROR_WANT_WRITE: s.wait = want::write; break;
    case SSL_ERROR_ZERO_RETURN: s.ec = asio::error::eof; break;
    case SSL_ERROR_SYSCALL:
      if (auto e = ERR_get_error())
        s.ec = openssl_error(e);
      else if (last_errno != 0)
        s.ec = error_code(last_errno, boost::system::system_category());
      else
        s.ec = asio::ssl::error::stream_truncated;
      break;
    default:
      if (auto e = ERR_get_error())
        s.ec = openssl_error(e);
      else
        s.ec = error_code(why, asio::error::get_ssl_category());
  }
  ERR_clear_error();
  return s;
}

step socket_state::handshake() {
  ERR_clear_error();
  last_errno = 0;
  int r = SSL_do_handshake(ssl);
  return r == 1 ? step{} : outcome(r);
}

step socket_state::read(asio::mutable_buffer into) {
  ERR_clear_error();
  last_errno = 0;
  std::size_t n = 0;
  int r = SSL_read_ex(ssl, into.data(), into.size(), &n);
  if (r == 1) return {want::nothing, {}, n};
  return outcome(r);
}

// Record after record (SSL_MODE_ENABLE_PARTIAL_WRITE makes each SSL_write_ex one record) until
// the buffer is sent or the socket is full: a 64 KiB body piece is one operation, not four, each
// of which would complete through the io_context's queue. When a later record cannot go out
// whole, OpenSSL keeps it pending and the bytes before it are reported: the caller offers the
// rest next, which starts with that record's bytes, as a retried SSL_write_ex must.
step socket_state::write(asio::const_buffer from) {
  const auto* data = static_cast<const char*>(from.data());
  std::size_t sent = 0;
  while (sent < from.size()) {
    ERR_clear_error();
    last_errno = 0;
    std::size_t n = 0;
    int r = SSL_write_ex(ssl, data + sent, from.size() - sent, &n);
    if (r != 1) {
      step s = outcome(r);
      if (sent == 0) return s;
      break;  // what went out is done; a full socket or a failure is met by the next write
    }
    sent += n;
  }
  return {want::nothing, {}, sent};
}

// close_notify is sent; then the peer's is awaited when `wait_for_peer` (bounded by the
// deadline or the WebSocket's timer), so that closing the socket does not reset a connection
// whose peer still sends its own. Anything else the peer sends meanwhile is discarded.
step socket_state::shutdown(bool wait_for_peer) {
  ERR_clear_error();
  last_errno = 0;
  int r = SSL_shutdown(ssl);
  if (r == 1 || (r == 0 && !wait_for_peer)) return {};
  if (r == 0) {  // sent; now read until the peer's close_notify
    ERR_clear_error();
    r = SSL_shutdown(ssl);
    if (r == 1) return {};
  }
  step s = outcome(r);
  if (s.wait == want::read && !wait_for_peer) return {};
  return s;
}

error_code socket_state::begin_wait(side which) {
  if (deadline == clock::time_point::max()) return {};
  if (clock::now() >= deadline) {
    close();
    return boost::beast::error::timeout;
  }
  auto& t = timers_[which];
  t.timer.expires_at(deadline);
  t.waiting = true;
  t.fired = false;
  unsigned generation = ++t.generation;
  t.timer.async_wait([weak = weak_from_this(), which, generation](error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    auto& fired = self->timers_[which];
    if (!fired.waiting || fired.generation != generation) return;
    fired.fired = true;
    self->close();  // ends the wait, and the connection, as beast::tcp_stream does
  });
  return {};
}

error_code socket_state::end_wait(side which, error_code waited) {
  auto& t = timers_[which];
  if (t.waiting) {
    t.waiting = false;
    t.timer.cancel();
  }
  if (t.fired) {
    t.fired = false;
    return boost::beast::error::timeout;
  }
  return waited;
}

}  // namespace tls_socket_detail

tls_socket_stream::tls_socket_stream(asio::ip::tcp::socket socket, asio::ssl::context& context)
    : state_(std::make_shared<tls_socket_detail::socket_state>(std::move(socket), context)) {}

tls_socket_stream::~tls_socket_stream() {
  if (state_) state_->close();
}

void tls_socket_stream::cancel() {
  error_code ignored;
  state_->socket.cancel(ignored);
}

void teardown(boost::beast::role_type, tls_socket_stream& s, error_code& ec) {
  ec = s.state_->shutdown(false).ec;
  s.close();
}

}  // namespace gatehouse::web
