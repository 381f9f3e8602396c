// https_server's streaming and takeover routes over real TLS on 127.0.0.1, seen from a Beast
// client: a 64 MiB download arrives intact while the server holds at most one piece of it; a
// client that stops reading is dropped after the idle time without the server taking more; an
// upload larger than max_body_bytes is taken by a streaming route and refused (413) by a
// string route; a WebSocket echoes text and binary and closes; stop() ends a taken-over
// connection. The server runs on its own io thread; the test talks to it as a client would.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>

#include "web/http_stream.hpp"
#include "web/https_server.hpp"
#include "web/test_certificate.hpp"

namespace gatehouse::web {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using client_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t piece_size = 64 * 1024;
constexpr std::uint64_t upload_limit = 64ull << 20;

// The test's bytes: byte i of every download and upload (not periodic in the piece size).
char byte_at(std::uint64_t i) { return static_cast<char>(((i * 2654435761u) >> 7) ^ (i >> 16)); }

struct checksum {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  void add(const char* p, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
      hash = (hash ^ static_cast<unsigned char>(p[k])) * 1099511628211ull;
    bytes += n;
  }
  std::string text() const { return std::to_string(bytes) + " " + std::to_string(hash); }
};

checksum expected_checksum(std::uint64_t n) {
  checksum c;
  for (std::uint64_t i = 0; i < n; ++i) {
    char b = byte_at(i);
    c.add(&b, 1);
  }
  return c;
}

std::uint64_t number_after(const request_header& req, std::string_view key) {
  auto target = std::string_view(req.target());
  auto at = target.find(key);
  return at == std::string_view::npos ? 0
                                      : std::stoull(std::string(target.substr(at + key.size())));
}

class HttpsStreaming : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("https-streaming-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(test_support::make_test_certificate(dir_));
    server_limits limits;
    limits.max_body_bytes = 64 * 1024;
    limits.stream_idle_time = 500ms;
    auto s = https_server::create(
        io_.get_executor(), (dir_ / "cert").string(), (dir_ / "key").string(),
        [](const web_request& r) {
          return web_reply{200, "text/plain", "string route, " + std::to_string(r.body.size()), {}};
        },
        limits);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<https_server>>(s));
    server_ = std::move(std::get<0>(s));
    server_->set_router([this](const web_request& r) { return choose(r); });
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    accept_next();
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    on_io([this] {
      server_->stop();
      acceptor_.close();
    });
    work_.reset();
    io_thread_.join();
    std::filesystem::remove_all(dir_);
  }

  route choose(const web_request& r) {
    ++routed_;
    auto take = [this](streamed_exchange& ex) { return upload(ex); };
    if (r.target.starts_with("/download")) return {.stream = download};
    if (r.target == "/upload") return {.stream = take, .max_body_bytes = upload_limit};
    if (r.target == "/upload-1MiB") return {.stream = take, .max_body_bytes = 1 << 20};
    if (r.target == "/flood")
      return {.stream = [this](streamed_exchange& ex) { return flood(ex); }};
    if (r.target == "/echo") return {.take_over = websocket_echo};
    if (r.target == "/hang") return {.take_over = [this](taken_connection& c) { return hang(c); }};
    return {};
  }

  // /download?bytes=N (Content-Length), /download?chunked=N (chunked): byte_at(0..N).
  static asio::awaitable<void> download(streamed_exchange& ex) {
    auto chunked = number_after(ex.request(), "chunked=");
    auto total = chunked ? chunked : number_after(ex.request(), "bytes=");
    reply_head head;
    if (!chunked) head.content_length = total;
    if (co_await ex.start_reply(head)) co_return;
    std::vector<char> piece(piece_size);
    for (std::uint64_t sent = 0; sent < total;) {
      auto n = std::min<std::uint64_t>(piece.size(), total - sent);
      for (std::uint64_t k = 0; k < n; ++k) piece[k] = byte_at(sent + k);
      if (co_await ex.write(asio::buffer(piece.data(), n))) co_return;
      sent += n;
    }
    co_await ex.finish();
  }

  // Answers "<bytes> <checksum>" of the body it read piece by piece.
  asio::awaitable<void> upload(streamed_exchange& ex) {
    std::vector<char> piece(piece_size);
    checksum got;
    for (;;) {
      auto [ec, n] = co_await ex.read_body(asio::buffer(piece));
      if (ec) {  // over the limit (the server answers 413), stalled or gone
        upload_error_ = ec;
        upload_failed_ = true;
        co_return;
      }
      if (n == 0) break;
      got.add(piece.data(), n);
    }
    std::string answer = got.text();
    co_await ex.reply(200, "text/plain", answer);
  }

  // Writes until the client stops taking it.
  asio::awaitable<void> flood(streamed_exchange& ex) {
    reply_head chunked;
    if (co_await ex.start_reply(chunked)) co_return;
    std::vector<char> piece(piece_size, 'x');
    for (;;) {
      auto ec = co_await ex.write(asio::buffer(piece));
      if (ec) {
        flood_error_ = ec;
        flood_done_ = true;
        co_return;
      }
      flood_written_ += piece.size();
    }
  }

  static asio::awaitable<void> websocket_echo(taken_connection& c) {
    websocket::stream<tls_stream&> ws(c.stream);
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(1 << 20);
    auto [aec] = co_await ws.async_accept(c.request, asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    beast::flat_buffer message;
    for (;;) {
      auto [rec, n] = co_await ws.async_read(message, asio::as_tuple(asio::use_awaitable));
      if (rec) co_return;  // closed by the client, or gone
      ws.text(ws.got_text());
      auto [wec, m] = co_await ws.async_write(message.data(), asio::as_tuple(asio::use_awaitable));
      if (wec) co_return;
      message.consume(message.size());
    }
  }

  // Holds the connection and waits (as a held request would) until cancelled.
  asio::awaitable<void> hang(taken_connection&) {
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::hours(1));
    hang_started_ = true;
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));  // fails when cancelled
    hang_ended_ = true;
  }

  void accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      server_->accept(std::move(s), "10.0.0." + std::to_string(++next_peer_) + ":40000");
      accept_next();
    });
  }

  // Runs `f` on the server's io thread and waits for it.
  void on_io(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }
  traffic_counters counters() {
    traffic_counters c;
    on_io([&] { c = server_->counters(); });
    return c;
  }

  // A TLS client connected to the server (its certificate is the test's own: not verified).
  void connect(client_stream& s) {
    s.next_layer().connect(acceptor_.local_endpoint());
    s.handshake(asio::ssl::stream_base::client);
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<https_server> server_;
  tcp::acceptor acceptor_{io_};
  std::thread io_thread_;
  int next_peer_ = 0;
  std::atomic<std::uint64_t> flood_written_{0};
  std::atomic<bool> flood_done_{false};
  boost::system::error_code flood_error_;  // written before flood_done_
  std::atomic<bool> hang_started_{false}, hang_ended_{false};
  boost::system::error_code upload_error_;  // written before upload_failed_
  std::atomic<bool> upload_failed_{false};
  std::atomic<int> routed_{0};

  asio::io_context client_io_;
  asio::ssl::context client_tls_{asio::ssl::context::tls_client};
};

// Waits up to `limit` for `done`; true when it came.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  while (!done()) {
    if (std::chrono::steady_clock::now() - start >= limit) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

http::request<http::empty_body> get(std::string target) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  return req;
}

// Reads a response's body piece by piece (never all of it in memory) into a checksum.
checksum read_body(client_stream& s, beast::flat_buffer& buffer, unsigned* status) {
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(s, buffer, parser);
  *status = parser.get().result_int();
  std::vector<char> piece(piece_size);
  checksum got;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    boost::system::error_code ec;
    http::read(s, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw boost::system::system_error(ec);
    got.add(piece.data(), piece.size() - parser.get().body().size);
  }
  return got;
}

TEST_F(HttpsStreaming, ADownloadOf64MiBArrivesIntactWhileTheServerHoldsOnePieceAtATime) {
  constexpr std::uint64_t size = 64ull << 20;
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::write(s, get("/download?bytes=" + std::to_string(size)));
  beast::flat_buffer buffer;
  unsigned status = 0;
  auto got = read_body(s, buffer, &status);
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(got.text(), expected_checksum(size).text());
  auto c = counters();
  EXPECT_GE(c.bytes_out, size);
  EXPECT_LE(c.peak_queued_reply_bytes, piece_size) << "a reply is never buffered beyond a piece";
}

TEST_F(HttpsStreaming, AChunkedDownloadEndsCleanlyAndTheConnectionCarriesTheNextRequest) {
  constexpr std::uint64_t size = 5 * piece_size + 123;
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::write(s, get("/download?chunked=" + std::to_string(size)));
  beast::flat_buffer buffer;
  unsigned status = 0;
  EXPECT_EQ(read_body(s, buffer, &status).text(), expected_checksum(size).text());
  http::write(s, get("/page"));
  http::response<http::string_body> page;
  http::read(s, buffer, page);
  EXPECT_EQ(page.body(), "string route, 0");
  EXPECT_EQ(counters().connections, 1u) << "one connection carried both";
}

TEST_F(HttpsStreaming, AClientThatStopsReadingIsDroppedAfterTheIdleTimeWithoutPinningMemory) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::write(s, get("/flood"));
  ASSERT_TRUE(eventually([&] { return flood_done_.load(); }, 5s)) << "the stalled write ended";
  EXPECT_EQ(flood_error_, beast::error::timeout) << flood_error_.message();
  // What the socket buffers of both ends took, no more: the route waited on each write.
  EXPECT_LT(flood_written_.load(), 32ull << 20);
  auto c = counters();
  EXPECT_LE(c.peak_queued_reply_bytes, piece_size);
  EXPECT_EQ(c.open, 0u);
}

// Sends `size` bytes of byte_at to `target` the way curl does for a large body: the headers
// with "Expect: 100-continue", the body only if the server says to go on.
http::response<http::string_body> post(client_stream& s, std::string target, std::uint64_t size,
                                       std::uint64_t declared) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::expect, "100-continue");
  req.body().resize(size);
  for (std::uint64_t i = 0; i < size; ++i) req.body()[i] = byte_at(i);
  req.content_length(declared);
  http::request_serializer<http::string_body> serializer{req};
  http::write_header(s, serializer);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  if (res.result() != http::status::continue_) return res;
  http::write(s, serializer);
  res = {};
  http::read(s, buffer, res);
  return res;
}

TEST_F(HttpsStreaming, AnUploadOverMaxBodyBytesIsTakenByAStreamingRouteAndRefusedByAStringRoute) {
  constexpr std::uint64_t size = 8ull << 20;  // max_body_bytes is 64 KiB
  {
    client_stream s(client_io_, client_tls_);
    connect(s);
    auto res = post(s, "/upload", size, size);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), expected_checksum(size).text());
  }
  {
    client_stream s(client_io_, client_tls_);
    connect(s);
    auto res = post(s, "/page", size, size);
    EXPECT_EQ(res.result_int(), 413u);
    EXPECT_EQ(res.body(), "request body too large\n");
  }
  {
    client_stream s(client_io_, client_tls_);
    connect(s);
    auto res = post(s, "/upload", 16, upload_limit + 1);  // over the route's own limit
    EXPECT_EQ(res.result_int(), 413u);
  }
}

TEST_F(HttpsStreaming, AChunkedUploadIsStoppedAtTheRoutesOwnLimitWith413) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  // 1.25 MiB in 64 KiB chunks, no length announced: the route's limit is 1 MiB.
  std::string upload =
      "POST /upload-1MiB HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int k = 0; k < 20; ++k) upload += "10000\r\n" + std::string(piece_size, 'u') + "\r\n";
  upload += "0\r\n\r\n";
  asio::write(s, asio::buffer(upload));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_TRUE(upload_failed_);
  EXPECT_EQ(upload_error_, http::error::body_limit);
}

TEST_F(HttpsStreaming, AnUploaderThatStallsIsDroppedAfterTheIdleTime) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  std::string head = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n" +
                     std::string(1024, 'u');
  asio::write(s, asio::buffer(head));
  auto start = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&byte, 1), ec);  // nothing comes; the server ends the connection
  EXPECT_TRUE(ec);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_TRUE(eventually([&] { return upload_failed_.load(); }, 2s));
  EXPECT_EQ(upload_error_, beast::error::timeout) << upload_error_.message();
  EXPECT_EQ(counters().open, 0u);
}

TEST_F(HttpsStreaming, HeadersOverTheLimitAreRefusedBeforeAnyRouteSeesThem) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto req = get("/download?bytes=1");
  req.set("X-Padding", std::string(16 * 1024, 'p'));  // max_header_bytes is 8 KiB
  http::write(s, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  EXPECT_EQ(res.result_int(), 431u);
  EXPECT_EQ(routed_, 0);
}

TEST_F(HttpsStreaming, AWebSocketThroughAnUpgradeRouteEchoesTextAndBinaryAndCloses) {
  websocket::stream<client_stream> ws(client_io_, client_tls_);
  connect(ws.next_layer());
  ws.handshake("127.0.0.1", "/echo");
  beast::flat_buffer message;
  ws.text(true);
  ws.write(asio::buffer(std::string("hello, gate")));
  ws.read(message);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(message.data()), "hello, gate");
  message.consume(message.size());

  std::string binary("\x00\x01\xff\xfe zero and high bytes", 24);
  ws.binary(true);
  ws.write(asio::buffer(binary));
  ws.read(message);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(message.data()), binary);

  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(ws.is_open());
  EXPECT_TRUE(eventually([&] { return counters().open == 0; }, 2s))
      << "the server ended the connection after the close";
}

TEST_F(HttpsStreaming, StopEndsATakenOverConnection) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::write(s, get("/hang"));
  ASSERT_TRUE(eventually([&] { return hang_started_.load(); }, 5s));
  EXPECT_EQ(counters().open, 1u);
  on_io([this] { server_->stop(); });
  EXPECT_TRUE(eventually([&] { return hang_ended_.load(); }, 2s))
      << "the route's wait was cancelled";
  EXPECT_EQ(counters().open, 0u);
  char byte;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&byte, 1), ec);  // TLS: past the session tickets, to the end
  EXPECT_TRUE(ec) << "the client sees its connection end";
}

}  // namespace
}  // namespace gatehouse::web
