// https_server's limits on a real loopback socket: the connection caps (in all and per source
// address) turn the extra client away at once, and clients that never finish a handshake or a
// request are dropped on time.
#include "web/https_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "web/test_certificate.hpp"

namespace gatehouse::web {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class HttpsServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("https-server-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(test_support::make_test_certificate(dir_));
    server_limits limits;
    limits.max_connections = 2;
    limits.max_connections_per_source = 1;
    limits.handshake_time = 300ms;
    limits.request_time = 300ms;
    auto s = https_server::create(
        io_.get_executor(), (dir_ / "cert").string(), (dir_ / "key").string(),
        [](const web_request&) {
          return web_reply{200, "text/plain", "ok", {}};
        },
        limits);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<https_server>>(s));
    server_ = std::move(std::get<0>(s));
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_next();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      // Each connection from an address of its own, unless the test lists its peers.
      std::string peer = next_peer_ < peers_.size()
                             ? peers_[next_peer_]
                             : "10.0.0." + std::to_string(next_peer_ + 1) + ":40000";
      ++next_peer_;
      server_->accept(std::move(s), peer);
      accept_next();
    });
  }

  // A blocking client socket; reads time out after 3 s.
  int connect_client() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }

  // How long until the server closes `fd` (reads and discards whatever it sends).
  static std::chrono::milliseconds time_to_close(int fd) {
    auto start = std::chrono::steady_clock::now();
    char buf[512];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  std::unique_ptr<https_server> server_;
  tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::vector<std::string> peers_;
  std::size_t next_peer_ = 0;
};

TEST_F(HttpsServer, TheConnectionCapTurnsTheExtraClientAwayAndIdleOnesAreDropped) {
  std::chrono::milliseconds first{}, third{};
  std::thread clients([&] {
    int a = connect_client();
    int b = connect_client();
    std::this_thread::sleep_for(100ms);  // both accepted and waiting for a TLS hello
    int c = connect_client();
    third = time_to_close(c);
    first = third + time_to_close(a);
    time_to_close(b);
    for (int fd : {a, b, c}) ::close(fd);
  });
  io_.run_for(3s);
  clients.join();
  EXPECT_LT(third, first) << "the third client is turned away while the others still wait";
  EXPECT_LT(first, 2s) << "an idle client is dropped after its handshake time";
  EXPECT_EQ(server_->counters().refused, 1u);
  EXPECT_EQ(server_->counters().open, 0u);
}

TEST_F(HttpsServer, OneSourceCannotTakeEverySlot) {
  peers_ = {"10.0.0.9:40001", "10.0.0.9:40002", "10.0.0.7:40003"};
  std::chrono::milliseconds second{}, third{};
  std::thread clients([&] {
    int a = connect_client();
    std::this_thread::sleep_for(100ms);
    int b = connect_client();  // the same address as a: over its cap of one
    second = time_to_close(b);
    int c = connect_client();  // another address: a slot is still free for it
    std::this_thread::sleep_for(100ms);
    third = time_to_close(c);
    time_to_close(a);
    for (int fd : {a, b, c}) ::close(fd);
  });
  io_.run_for(3s);
  clients.join();
  EXPECT_LT(second, 100ms) << "turned away at once";
  EXPECT_GE(third, 100ms) << "accepted, and dropped only after its handshake time";
  EXPECT_EQ(server_->counters().refused, 1u);
  EXPECT_EQ(server_->counters().open, 0u);
}

TEST_F(HttpsServer, GarbageInsteadOfTlsIsDroppedWithoutAffectingTheServer) {
  std::chrono::milliseconds closed{};
  std::thread clients([&] {
    int fd = connect_client();
    const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ::send(fd, garbage, sizeof garbage - 1, 0);
    closed = time_to_close(fd);
    ::close(fd);
  });
  io_.run_for(2s);
  clients.join();
  EXPECT_LT(closed, 2s);
  EXPECT_EQ(server_->counters().open, 0u);
  EXPECT_EQ(server_->counters().requests, 0u);
}

TEST_F(HttpsServer, AMissingCertificateIsAOneLineStartupError) {
  auto s =
      https_server::create(io_.get_executor(), (dir_ / "nope").string(), (dir_ / "key").string(),
                           [](const web_request&) { return web_reply{}; });
  ASSERT_TRUE(std::holds_alternative<std::string>(s));
  EXPECT_NE(std::get<std::string>(s).find("tls_cert"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::web
