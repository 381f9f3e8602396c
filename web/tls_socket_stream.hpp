#pragma once
// web::tls_socket_stream: the server's TLS stream (web::tls_stream), whose OpenSSL SSL object
// reads and writes the TCP socket itself through a BIO of our own (recv/send on the descriptor,
// MSG_NOSIGNAL, never past a close): no BIO pair and no stream buffers. With
// SSL_MODE_RELEASE_BUFFERS on the context an idle connection (a read waiting on the socket)
// keeps no TLS record buffers: what it costs is the SSL object and this small state (issue 15;
// asio::ssl::stream keeps about 70 KiB per connection for its whole life).
//
// An Asio/Beast AsyncStream: async_read_some, async_write_some (its first buffer, record after
// record until sent or the socket is full; small first pieces joined first), async_handshake,
// async_shutdown (sends close_notify, then awaits the peer's until the deadline; with no
// deadline it does not wait). Timeouts
// as beast::tcp_stream's: expires_after() sets a deadline for the operations that follow; an
// operation still waiting on the socket at the deadline closes the socket and fails with
// beast::error::timeout. Per-operation cancellation (terminal, partial, total) cancels the
// socket wait (asio::error::operation_aborted), as do cancel() and close(). The stream is its
// own lowest layer (no next_layer()): beast::get_lowest_layer(stream) is the stream, with
// socket(), expires_after(), expires_never(), cancel() and close(). A WebSocket over it tears
// down (async_teardown, found by ADL) with the TLS shutdown and the socket's close.
//
// Errors: the peer's close_notify is asio::error::eof, a close without it
// asio::ssl::error::stream_truncated (as asio::ssl::stream gives them); OpenSSL's failures are
// its reason in Asio's ssl category; OpenSSL's per-thread error queue is cleared by every call.
//
// Ownership and threads: the stream owns the socket and the SSL object in a shared state that
// its pending operations keep alive; destroying the stream closes the socket. One stream is
// used on one thread (its executor's), with at most one read and one write pending at a time,
// a handshake or a shutdown alone. OpenSSL stays out of this header: the work is in the .cpp.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/role.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

struct ssl_st;
struct bio_st;
namespace boost::asio::ssl {
class context;
}

namespace gatehouse::web {

namespace tls_socket_detail {

enum class want { nothing, read, write };  // what a step waits for before it is tried again

struct step {
  want wait = want::nothing;
  boost::system::error_code ec{};
  std::size_t bytes = 0;
};

// The non-template half: the socket, the SSL object, the deadline and its two timers (one for
// the read side, one for the write side, so a read and a write may wait at once).
class socket_state : public std::enable_shared_from_this<socket_state> {
 public:
  using clock = std::chrono::steady_clock;
  enum side { read_side = 0, write_side = 1 };

  socket_state(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);
  ~socket_state();
  socket_state(const socket_state&) = delete;
  socket_state& operator=(const socket_state&) = delete;

  void start_handshake(boost::asio::ssl::stream_base::handshake_type type);
  step handshake();
  step read(boost::asio::mutable_buffer into);
  step write(boost::asio::const_buffer from);
  step shutdown(bool wait_for_peer);

  // Before an operation waits on the socket: the deadline's timer is armed for `s` (a deadline
  // already past closes the socket and gives beast::error::timeout).
  boost::system::error_code begin_wait(side s);
  // After the wait: the timer is disarmed; beast::error::timeout if it fired, else `waited`.
  boost::system::error_code end_wait(side s, boost::system::error_code waited);

  void close();

  boost::asio::ip::tcp::socket socket;
  clock::time_point deadline = clock::time_point::max();
  ssl_st* ssl = nullptr;
  int last_errno = 0;  // of the last failed recv/send, set by the BIO

 private:
  step outcome(int result);
  struct deadline_timer {
    boost::asio::steady_timer timer;
    unsigned generation = 0;
    bool waiting = false;
    bool fired = false;
  };
  deadline_timer timers_[2];
};

// One operation: tries `attempt` until it is done, waiting on the socket between tries.
// Completes with (error_code, bytes) or (error_code); never inside the initiating call.
template <class Attempt, bool WithBytes>
class operation {
 public:
  operation(std::shared_ptr<socket_state> state, Attempt attempt, socket_state::side side)
      : state_(std::move(state)), attempt_(std::move(attempt)), side_(side) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code waited = {}) {
    if (phase_ == phase::completing) return complete(self, result_.ec, result_.bytes);
    if (phase_ == phase::starting) {
      self.reset_cancellation_state(boost::asio::enable_total_cancellation());
    } else if (auto ec = state_->end_wait(side_, waited)) {
      return complete(self, ec, 0);
    }
    step s = attempt_(*state_);
    if (s.wait == want::nothing) return finish(self, s);
    if (auto ec = state_->begin_wait(side_)) {
      step failed{want::nothing, ec, 0};
      return finish(self, failed);
    }
    phase_ = phase::waiting;
    auto& socket = state_->socket;
    socket.async_wait(s.wait == want::read ? boost::asio::socket_base::wait_read
                                           : boost::asio::socket_base::wait_write,
                      std::move(self));
  }

 private:
  enum class phase { starting, waiting, completing };

  template <class Self>
  void finish(Self& self, const step& s) {
    if (phase_ == phase::waiting) return complete(self, s.ec, s.bytes);
    phase_ = phase::completing;  // done at once: complete later, as a socket would
    result_ = s;
    boost::asio::post(std::move(self));
  }
  template <class Self>
  static void complete(Self& self, boost::system::error_code ec, std::size_t bytes) {
    if constexpr (WithBytes)
      self.complete(ec, bytes);
    else
      self.complete(ec);
  }

  std::shared_ptr<socket_state> state_;
  Attempt attempt_;
  socket_state::side side_;
  phase phase_ = phase::starting;
  step result_{};
};

constexpr std::size_t max_record_bytes = 16 * 1024;

template <class Buffers>
struct read_attempt {
  Buffers buffers;
  step operator()(socket_state& s) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return s.read(b);
    }
    return {};
  }
};

// The first non-empty buffer; small pieces of a sequence (headers, chunk framing) are joined
// into one record. The choice is kept: a retried SSL_write must see the same bytes.
template <class Buffers>
struct write_attempt {
  Buffers buffers;
  bool chosen = false;
  boost::asio::const_buffer piece{};
  std::unique_ptr<char[]> joined{};
  step operator()(socket_state& s) {
    if (!chosen) choose();
    return s.write(piece);
  }
  void choose() {
    chosen = true;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      piece = b;
      break;
    }
    if (piece.size() >= max_record_bytes) return;
    auto total = std::min(max_record_bytes, boost::asio::buffer_size(buffers));
    if (total <= piece.size()) return;
    joined.reset(new char[total]);
    boost::asio::buffer_copy(boost::asio::buffer(joined.get(), total), buffers);
    piece = boost::asio::const_buffer(joined.get(), total);
  }
};

struct handshake_attempt {
  step operator()(socket_state& s) { return s.handshake(); }
};

struct shutdown_attempt {
  bool close_after = false;  // a WebSocket's teardown: the socket is closed once it is done
  step operator()(socket_state& s) {
    // The peer's close_notify is awaited under a deadline, or in a WebSocket's teardown (whose
    // own timer closes the socket when it takes too long); never without a bound.
    bool wait = close_after || s.deadline != socket_state::clock::time_point::max();
    step done = s.shutdown(wait);
    if (done.wait == want::nothing && close_after) s.close();
    return done;
  }
};

}  // namespace tls_socket_detail

class tls_socket_stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using clock = std::chrono::steady_clock;

  tls_socket_stream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);
  tls_socket_stream(tls_socket_stream&&) noexcept = default;
  ~tls_socket_stream();

  executor_type get_executor() noexcept { return state_->socket.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return state_->socket; }
  ssl_st* native_handle() { return state_->ssl; }

  // The deadline of the operations that follow (as beast::tcp_stream's).
  void expires_after(clock::duration d) { state_->deadline = clock::now() + d; }
  void expires_at(clock::time_point t) { state_->deadline = t; }
  void expires_never() { state_->deadline = clock::time_point::max(); }
  // Pending operations end with asio::error::operation_aborted; close() also ends the TLS.
  void cancel();
  void close() { state_->close(); }

  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type type, Token&& token) {
    state_->start_handshake(type);
    return start<void(boost::system::error_code), false>(tls_socket_detail::handshake_attempt{},
                                                         tls_socket_detail::socket_state::read_side,
                                                         std::forward<Token>(token));
  }

  template <class Token>
  auto async_shutdown(Token&& token) {
    return start<void(boost::system::error_code), false>(
        tls_socket_detail::shutdown_attempt{false}, tls_socket_detail::socket_state::write_side,
        std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return start<void(boost::system::error_code, std::size_t), true>(
        tls_socket_detail::read_attempt<MutableBuffers>{buffers},
        tls_socket_detail::socket_state::read_side, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return start<void(boost::system::error_code, std::size_t), true>(
        tls_socket_detail::write_attempt<ConstBuffers>{buffers},
        tls_socket_detail::socket_state::write_side, std::forward<Token>(token));
  }

  // Beast's customisation points, found by ADL: a WebSocket's timeout closes the socket, its
  // teardown ends the TLS and closes the socket.
  friend void beast_close_socket(tls_socket_stream& s) { s.close(); }
  friend void teardown(boost::beast::role_type, tls_socket_stream& s,
                       boost::system::error_code& ec);
  template <class Handler>
  friend void async_teardown(boost::beast::role_type, tls_socket_stream& s, Handler&& handler) {
    s.start<void(boost::system::error_code), false>(tls_socket_detail::shutdown_attempt{true},
                                                    tls_socket_detail::socket_state::write_side,
                                                    std::forward<Handler>(handler));
  }

 private:
  template <class Signature, bool WithBytes, class Attempt, class Token>
  auto start(Attempt attempt, tls_socket_detail::socket_state::side side, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        tls_socket_detail::operation<Attempt, WithBytes>(state_, std::move(attempt), side), token,
        state_->socket);
  }

  std::shared_ptr<tls_socket_detail::socket_state> state_;
};

}  // namespace gatehouse::web
