// The listener with load balancers (proxy/listener.hpp, proxy/proxy_header_read.hpp) over real
// sockets on 127.0.0.1: a balancer's header gives the peer and is taken off exactly (whatever
// followed it, in the same packet or later, is still in the socket for the protocol), a
// balancer without a valid header is closed and counted, and a header from a connection that
// is no balancer's is never read.
#include "proxy/listener.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace gatehouse::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

const std::string v1_header = "PROXY TCP4 192.0.2.7 10.0.0.1 50000 2222\r\n";
const std::string ssh_banner = "SSH-2.0-OpenSSH_9.2\r\n";

std::string v2_header(unsigned char ver_cmd, unsigned char family, const std::string& payload) {
  std::string out("\r\n\r\n\0\r\nQUIT\n", 12);
  out += static_cast<char>(ver_cmd);
  out += static_cast<char>(family);
  out += static_cast<char>(payload.size() >> 8);
  out += static_cast<char>(payload.size() & 0xff);
  return out + payload;
}

// 2001:db8::7 port 443 -> ::1 port 22, then a NOOP TLV.
std::string v2_tcp6() {
  std::string payload(36, '\0');
  payload[0] = 0x20, payload[1] = 0x01, payload[2] = 0x0d, payload[3] = char(0xb8);
  payload[15] = 7, payload[31] = 1;
  payload[32] = 0x01, payload[33] = char(0xBB), payload[34] = 0x00, payload[35] = 0x16;
  return v2_header(0x21, 0x21, payload + std::string("\x04\x00\x01x", 4));
}

class ListenerTest : public ::testing::Test {
 protected:
  void start(bool from_balancer) {
    auto bound = tcp_listener::bind(io.get_executor(), config::endpoint{"127.0.0.1", 0}, "ssh");
    ASSERT_EQ(bound.index(), 0u) << std::get<1>(bound);
    listener = std::move(std::get<0>(bound));
    listener->start(
        [this](tcp::socket s, std::string p) {
          handed = std::move(s);
          peer = std::move(p);
        },
        {[from_balancer](const std::string& ip) { return from_balancer && ip == "127.0.0.1"; },
         [this] { ++told_refused; }});
    client.connect(listener->local_endpoint());
  }

  void send(const std::string& bytes) { asio::write(client, asio::buffer(bytes)); }

  // Runs the loop until the listener has handed the connection on or the client sees it
  // closed (bounded, so a bug fails instead of hanging).
  void run_until_settled() {
    for (int i = 0; i < 500 && !handed && !client_closed(); ++i) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
  }

  void run_a_little() {
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }

  bool client_closed() {
    client.non_blocking(true);
    char c;
    boost::system::error_code ec;
    client.receive(asio::buffer(&c, 1), tcp::socket::message_peek, ec);
    client.non_blocking(false);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  // What the protocol would read first: exactly `n` bytes from the handed-on socket.
  std::string protocol_reads(std::size_t n) {
    std::string out(n, '\0');
    handed->non_blocking(false);
    asio::read(*handed, asio::buffer(out));
    return out;
  }

  asio::io_context io;
  std::unique_ptr<tcp_listener> listener;
  tcp::socket client{io};
  std::optional<tcp::socket> handed;
  std::string peer;
  int told_refused = 0;
};

TEST_F(ListenerTest, V1HeaderGivesThePeerAndLeavesWhatFollows) {
  start(true);
  send(v1_header + ssh_banner);
  run_until_settled();
  ASSERT_TRUE(handed);
  EXPECT_EQ(peer, "192.0.2.7:50000");
  EXPECT_EQ(protocol_reads(ssh_banner.size()), ssh_banner);
  EXPECT_EQ(listener->proxy_headers_refused(), 0u);
}

TEST_F(ListenerTest, V2HeaderInPiecesThenTheProtocol) {
  start(true);
  const std::string header = v2_tcp6();
  send(header.substr(0, 5));
  run_a_little();
  send(header.substr(5, 14));
  run_a_little();
  EXPECT_FALSE(handed);
  send(header.substr(19));
  run_until_settled();
  ASSERT_TRUE(handed);
  EXPECT_EQ(peer, "2001:db8::7:443");
  send(ssh_banner);  // after the header was taken: the protocol reads all of it
  EXPECT_EQ(protocol_reads(ssh_banner.size()), ssh_banner);
}

TEST_F(ListenerTest, LocalKeepsTheBalancersOwnPeer) {
  start(true);
  send(v2_header(0x20, 0x00, "") + ssh_banner);
  run_until_settled();
  ASSERT_TRUE(handed);
  EXPECT_EQ(peer, "127.0.0.1:" + std::to_string(client.local_endpoint().port()));
  EXPECT_EQ(protocol_reads(ssh_banner.size()), ssh_banner);
}

TEST_F(ListenerTest, ABalancerWithoutAHeaderIsClosedAndCounted) {
  start(true);
  send(ssh_banner);
  run_until_settled();
  EXPECT_FALSE(handed);
  EXPECT_TRUE(client_closed());
  EXPECT_EQ(listener->proxy_headers_refused(), 1u);
  EXPECT_EQ(told_refused, 1);
}

TEST_F(ListenerTest, ABalancerThatLeavesMidHeaderIsClosedAndCounted) {
  start(true);
  send(v1_header.substr(0, 20));
  run_a_little();
  client.shutdown(tcp::socket::shutdown_send);
  run_until_settled();
  for (int i = 0; i < 100 && listener->proxy_headers_refused() == 0; ++i) run_a_little();
  EXPECT_FALSE(handed);
  EXPECT_EQ(listener->proxy_headers_refused(), 1u);
}

TEST_F(ListenerTest, AHeaderFromElsewhereIsNeverRead) {
  start(false);
  send(v1_header + ssh_banner);
  run_until_settled();
  ASSERT_TRUE(handed);
  EXPECT_EQ(peer, "127.0.0.1:" + std::to_string(client.local_endpoint().port()));
  EXPECT_EQ(protocol_reads(v1_header.size() + ssh_banner.size()), v1_header + ssh_banner);
  EXPECT_EQ(listener->proxy_headers_refused(), 0u);
}

}  // namespace
}  // namespace gatehouse::proxy
