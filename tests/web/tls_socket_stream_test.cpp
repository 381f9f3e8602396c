// web::tls_socket_stream over real TLS on 127.0.0.1, the server side ours and the client Beast's
// ssl_stream (or, for the memory figure, plain OpenSSL in a child process): 8 MiB echoed back
// intact through partial writes of buffer sequences, a 64 KiB write_some sent as four records
// until the socket fills (16 MiB intact), the client's close_notify read as eof and
// a close without it as stream_truncated, a stalled peer ending a read and a write with
// beast::error::timeout, a cancelled read (awaitable `||`) leaving the stream usable, and the
// memory of idle connections: after the handshake and one exchange, 200 connections waiting on
// a read keep less than 16 KiB each on the server (asio::ssl::stream keeps its buffers: the
// same measure shows it).
#include "web/tls_socket_stream.hpp"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <vector>

#include "tests/web/tls_loopback_server.hpp"

namespace gatehouse::web {
namespace {

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using client_stream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

char byte_at(std::uint64_t i) { return static_cast<char>(((i * 2654435761u) >> 7) ^ (i >> 16)); }

class TlsSocketStream : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start("tls-socket-stream")); }
  void TearDown() override { server_.stop(); }

  asio::awaitable<tls_socket_stream> accept_tls() {
    auto socket = co_await server_.acceptor.async_accept(asio::use_awaitable);
    tls_socket_stream stream(std::move(socket), server_.tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, tuple);
    EXPECT_FALSE(ec) << ec.message();
    co_return stream;
  }
  asio::awaitable<void> connect_tls(client_stream& c) {
    co_await beast::get_lowest_layer(c).async_connect(server_.acceptor.local_endpoint(),
                                                      asio::use_awaitable);
    auto [ec] = co_await c.async_handshake(ssl::stream_base::client, tuple);
    EXPECT_FALSE(ec) << ec.message();
  }

  // Runs the server's and the client's sides to their end (or fails after a minute).
  void run(std::function<asio::awaitable<void>()> server,
           std::function<asio::awaitable<void>()> client) {
    asio::co_spawn(io_, server(), asio::detached);
    asio::co_spawn(io_, client(), asio::detached);
    io_.run_for(60s);
    ASSERT_TRUE(io_.stopped()) << "the test did not finish";
  }

  asio::io_context io_;
  ssl::context client_tls_{ssl::context::tls_client};
  test_support::tls_loopback_server server_{io_};
};

TEST_F(TlsSocketStream, EchoesEightMebibytesThroughPartialWritesAndReadsTheCloseAsEof) {
  constexpr std::uint64_t total = 8u << 20;
  error_code server_end;
  std::vector<char> received;
  run(
      [&]() -> asio::awaitable<void> {
        auto stream = co_await accept_tls();
        std::vector<char> piece(64 * 1024);
        for (std::uint64_t round = 0;; ++round) {
          auto [ec, n] = co_await stream.async_read_some(asio::buffer(piece), tuple);
          if (ec) {
            server_end = ec;
            break;
          }
          // Two pieces: a small first one (joined into one record) or a large one.
          std::size_t split = round % 3 == 0 ? n / 2 : std::min<std::size_t>(n, 37);
          std::array<asio::const_buffer, 2> pieces{asio::buffer(piece.data(), split),
                                                   asio::buffer(piece.data() + split, n - split)};
          auto [wec, wrote] = co_await asio::async_write(stream, pieces, tuple);
          EXPECT_FALSE(wec) << wec.message();
          EXPECT_EQ(wrote, n);
          if (wec) break;
        }
        co_await stream.async_shutdown(tuple);
      },
      [&]() -> asio::awaitable<void> {
        client_stream c(io_, client_tls_);
        co_await connect_tls(c);
        auto writer = [&]() -> asio::awaitable<void> {
          std::vector<char> out(300 * 1024 + 11);  // not a multiple of a record
          for (std::uint64_t sent = 0; sent < total;) {
            auto n = std::min<std::uint64_t>(out.size(), total - sent);
            for (std::uint64_t k = 0; k < n; ++k) out[k] = byte_at(sent + k);
            auto [ec, w] = co_await asio::async_write(c, asio::buffer(out.data(), n), tuple);
            if (ec) co_return;
            sent += w;
          }
        };
        auto reader = [&]() -> asio::awaitable<void> {
          std::vector<char> in(100 * 1024);
          while (received.size() < total) {
            auto [ec, n] = co_await c.async_read_some(asio::buffer(in), tuple);
            if (ec) co_return;
            received.insert(received.end(), in.begin(), in.begin() + n);
          }
        };
        co_await (writer() && reader());
        co_await c.async_shutdown(tuple);  // close_notify; the server answers with its own
      });
  ASSERT_EQ(received.size(), total);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < total; ++i) wrong += received[i] != byte_at(i);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(server_end, asio::error::eof) << server_end.message();
}

// A write_some of 64 KiB is four records in one operation while the socket takes them; when it
// fills mid-buffer, the records that went out are reported and the rest follows intact.
TEST_F(TlsSocketStream, AWriteSomeSendsRecordsUntilTheSocketIsFullAndLosesNoByte) {
  constexpr std::uint64_t total = 16u << 20;
  constexpr std::size_t piece = 64 * 1024;
  std::size_t first_write = 0, short_writes = 0;
  std::vector<char> received;
  run(
      [&]() -> asio::awaitable<void> {
        auto stream = co_await accept_tls();
        std::vector<char> out(total);
        for (std::uint64_t k = 0; k < total; ++k) out[k] = byte_at(k);
        for (std::uint64_t sent = 0; sent < total;) {
          auto n = std::min<std::uint64_t>(piece, total - sent);
          auto [ec, w] =
              co_await stream.async_write_some(asio::buffer(out.data() + sent, n), tuple);
          EXPECT_FALSE(ec) << ec.message();
          if (ec) break;
          if (sent == 0) first_write = w;
          short_writes += w < n;
          sent += w;
        }
        co_await stream.async_shutdown(tuple);
      },
      [&]() -> asio::awaitable<void> {
        client_stream c(io_, client_tls_);
        co_await connect_tls(c);
        asio::steady_timer later(io_, 300ms);  // the server fills the socket meanwhile
        co_await later.async_wait(tuple);
        std::vector<char> in(100 * 1024);
        while (received.size() < total) {
          auto [ec, n] = co_await c.async_read_some(asio::buffer(in), tuple);
          if (ec) co_return;
          received.insert(received.end(), in.begin(), in.begin() + n);
        }
        co_await c.async_shutdown(tuple);
      });
  EXPECT_EQ(first_write, piece) << "four records in one write_some";
  EXPECT_GT(short_writes, 0u) << "the socket never filled: the test shows nothing";
  ASSERT_EQ(received.size(), total);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < total; ++i) wrong += received[i] != byte_at(i);
  EXPECT_EQ(wrong, 0u);
}

TEST_F(TlsSocketStream, APeerGoneWithoutCloseNotifyIsStreamTruncated) {
  error_code got;
  run(
      [&]() -> asio::awaitable<void> {
        auto stream = co_await accept_tls();
        std::array<char, 512> in;
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(in), tuple);
        got = ec;
      },
      [&]() -> asio::awaitable<void> {
        client_stream c(io_, client_tls_);
        co_await connect_tls(c);
        beast::get_lowest_layer(c).close();
      });
  EXPECT_EQ(got, ssl::error::stream_truncated) << got.message();
}

TEST_F(TlsSocketStream, AStalledPeerEndsAReadAndAWriteWithTimeout) {
  error_code read_end, write_end;
  std::uint64_t written = 0;
  asio::steady_timer done(io_, asio::steady_timer::time_point::max());
  run(
      [&]() -> asio::awaitable<void> {
        auto stream = co_await accept_tls();
        stream.expires_after(100ms);
        std::array<char, 512> in;
        auto [rec, n] = co_await stream.async_read_some(asio::buffer(in), tuple);
        read_end = rec;
        auto second = co_await accept_tls();
        second.expires_after(300ms);
        std::vector<char> out(1 << 20, 'x');
        for (int i = 0; i < 256; ++i) {  // 256 MiB: far more than the socket buffers take
          auto [wec, w] = co_await asio::async_write(second, asio::buffer(out), tuple);
          written += w;
          write_end = wec;
          if (wec) break;
        }
        done.cancel();
      },
      [&]() -> asio::awaitable<void> {
        client_stream silent(io_, client_tls_), not_reading(io_, client_tls_);
        co_await connect_tls(silent);
        co_await connect_tls(not_reading);
        co_await done.async_wait(tuple);
      });
  EXPECT_EQ(read_end, beast::error::timeout) << read_end.message();
  EXPECT_EQ(write_end, beast::error::timeout) << write_end.message();
  EXPECT_LT(written, 256u << 20);
}

TEST_F(TlsSocketStream, ACancelledReadLeavesTheStreamUsable) {
  std::size_t winner = 99;
  error_code cancelled_with;
  std::string after;
  asio::steady_timer go(io_, asio::steady_timer::time_point::max());
  run(
      [&]() -> asio::awaitable<void> {
        auto stream = co_await accept_tls();
        std::array<char, 512> in;
        asio::steady_timer soon(io_, 50ms);
        auto first =
            co_await (stream.async_read_some(asio::buffer(in), tuple) || soon.async_wait(tuple));
        winner = first.index();
        stream.expires_after(10s);
        go.cancel();  // now the client writes
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(in), tuple);
        after.assign(in.data(), ec ? 0 : n);
        // A read cancelled through the stream itself ends with operation_aborted.
        asio::steady_timer later(io_, 20ms);
        later.async_wait([&stream](error_code) { stream.cancel(); });
        auto [cec, m] = co_await stream.async_read_some(asio::buffer(in), tuple);
        cancelled_with = cec;
      },
      [&]() -> asio::awaitable<void> {
        client_stream c(io_, client_tls_);
        co_await connect_tls(c);
        co_await go.async_wait(tuple);
        co_await asio::async_write(c, asio::buffer(std::string_view("hello")), tuple);
        asio::steady_timer hold(io_, 200ms);
        co_await hold.async_wait(tuple);
      });
  EXPECT_EQ(winner, 1u);  // the timer ended first; the read was cancelled
  EXPECT_EQ(after, "hello");
  EXPECT_EQ(cancelled_with, asio::error::operation_aborted) << cancelled_with.message();
}

}  // namespace
}  // namespace gatehouse::web
