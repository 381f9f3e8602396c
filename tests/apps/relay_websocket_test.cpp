// WebSockets through the relay, on the wire: echo of text and binary with the upstream's
// subprotocol, close codes passed both ways, a foreign Origin refused with 403, and
// connection_end closing the client with 1008 and its reason (and the upstream with 1001).
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "apps/relay_fixture.hpp"

namespace gatehouse::apps {
namespace {

using namespace test_support;
namespace websocket = beast::websocket;
using client_ws = websocket::stream<client_stream>;
using WebSocket = RelayFixture;

void open(client_ws& ws, const std::string& origin, websocket::response_type& answer,
          boost::system::error_code& ec) {
  ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& r) {
    r.set(http::field::origin, origin);
    r.set(http::field::sec_websocket_protocol, "chat");
  }));
  ws.handshake(answer, "plain.app", "/ws", ec);
}

TEST_F(WebSocket, EchoesTextAndBinaryThroughTheGate) {
  client_ws ws(client_io_, client_tls_);
  connect(ws.next_layer());
  websocket::response_type answer;
  boost::system::error_code ec;
  open(ws, "https://plain.app", answer, ec);
  ASSERT_FALSE(ec) << ec.message() << " " << answer.result_int();
  EXPECT_EQ(answer[http::field::sec_websocket_protocol], "chat");
  beast::flat_buffer buffer;
  ws.text(true);
  ws.write(asio::buffer(std::string("hello through the gate")));
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello through the gate");
  buffer.consume(buffer.size());
  std::string binary(100'000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
  ws.binary(true);
  ws.write(asio::buffer(binary));
  ws.read(buffer);
  EXPECT_FALSE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), binary);
  ws.close(websocket::close_reason(static_cast<websocket::close_code>(4002), "client done"));
  EXPECT_TRUE(eventually([&] { return plain_->log().find("ws closed 4002") != std::string::npos; }))
      << plain_->log();
  auto record = handler_.record(1);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->websocket);
  EXPECT_EQ(record->status, 101);
  EXPECT_EQ(record->bytes_in, 22u + binary.size());
  EXPECT_EQ(record->bytes_out, 22u + binary.size());
}

TEST_F(WebSocket, PassesTheUpstreamsCloseCode) {
  client_ws ws(client_io_, client_tls_);
  connect(ws.next_layer());
  websocket::response_type answer;
  boost::system::error_code ec;
  open(ws, "https://plain.app", answer, ec);
  ASSERT_FALSE(ec);
  ws.write(asio::buffer(std::string("close:4001:bye")));
  beast::flat_buffer buffer;
  ws.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, 4001);
  EXPECT_EQ(std::string(ws.reason().reason.c_str()), "bye");
}

TEST_F(WebSocket, RefusesAForeignOrigin) {
  client_ws ws(client_io_, client_tls_);
  connect(ws.next_layer());
  websocket::response_type answer;
  boost::system::error_code ec;
  open(ws, "https://evil.example", answer, ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(answer.result_int(), 403);
}

TEST_F(WebSocket, ConnectionEndClosesWith1008AndTheReason) {
  client_ws ws(client_io_, client_tls_);
  connect(ws.next_layer());
  websocket::response_type answer;
  boost::system::error_code ec;
  open(ws, "https://plain.app", answer, ec);
  ASSERT_FALSE(ec);
  ws.write(asio::buffer(std::string("ping")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  auto start = std::chrono::steady_clock::now();
  on_io([&] { handler_.last_end->end("grant ended"); });
  ws.read(buffer, ec);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, websocket::close_code::policy_error);
  EXPECT_EQ(std::string(ws.reason().reason.c_str()), "grant ended");
  EXPECT_TRUE(eventually([&] { return plain_->log().find("ws closed 1001") != std::string::npos; }))
      << plain_->log();
  std::cout << "[ figure ] connection_end to the client's close: "
            << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us\n";
  on_io([&] { handler_.last_end->end("again"); });  // a second end is harmless
}

// Idle WebSockets from another process (tests/apps/websocket_clients.py): what each costs the
// gate's process (both TLS client side and upstream side), printed as a figure. The client's
// TLS stream (web::tls_socket_stream) keeps no record buffers while idle, and each direction
// waits with a 256-byte piece: ~39 KiB measured (~44 with 2 KiB pieces), where Asio's
// ssl::stream (two 17 KiB record buffers and a BIO pair of two more) made ~92.
TEST_F(WebSocket, IdleWebSocketsKeepLittleMemory) {
  constexpr std::uint64_t n = 200;
  upstream_process warm({gate_port(), "10"}, dir_ / "warm.log", "websocket_clients.py");
  ASSERT_EQ(warm.port(), "open 10") << warm.log();
  auto before = status_kib("VmRSS:");
  upstream_process many({gate_port(), std::to_string(n)}, dir_ / "many.log",
                        "websocket_clients.py");
  ASSERT_EQ(many.port(), "open " + std::to_string(n)) << many.log();
  std::this_thread::sleep_for(200ms);
  auto per_connection = (status_kib("VmRSS:") - before) * 1024 / n;
  std::cout << "[ figure ] an idle WebSocket through the gate keeps " << per_connection
            << " bytes in the gate's process (TLS to the client, TCP to the upstream)\n";
  // Resident memory means nothing under AddressSanitizer (shadow memory, quarantine).
  if (!sanitized_build) {
    EXPECT_LT(per_connection, 64u * 1024);
  }
}

TEST_F(WebSocket, ServerStopEndsOpenWebSocketsAndExchanges) {
  client_ws ws(client_io_, client_tls_);
  connect(ws.next_layer());
  websocket::response_type answer;
  boost::system::error_code ec;
  open(ws, "https://plain.app", answer, ec);
  ASSERT_FALSE(ec);
  client_stream waiting(client_io_, client_tls_);
  connect(waiting);
  http::request<http::empty_body> slow{http::verb::get, "/slow?ms=1000", 11};
  slow.set(http::field::host, "plain.app");
  http::write(waiting, slow);
  std::this_thread::sleep_for(200ms);  // the slow request is at the upstream
  on_io([&] { server_->stop(); });
  beast::flat_buffer buffer;
  give_up_reading_after(ws.next_layer(), 5s);
  ws.read(buffer, ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, boost::asio::error::would_block);
  http::response<http::string_body> res;
  give_up_reading_after(waiting, 5s);
  http::read(waiting, buffer, res, ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, boost::asio::error::would_block);
}

}  // namespace
}  // namespace gatehouse::apps
