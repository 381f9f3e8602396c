// The hold grid through the real RDP front end (proxy/rdp/front_end) on a loopback port, with
// a scripted gate: a raw TCP client sends an X.224 Connection Request with a trusted
// "Cookie: mstshash=alice@win01" and waits, as mstsc does. "Let through" is the server
// receiving the request; a refusal is the Connection Confirm with RDP_NEG_FAILURE, then EOF.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <memory>

#include "proxy/rdp/front_end.hpp"
#include "proxy/rdp/x224.hpp"
#include "tests/session/grid_support.hpp"

namespace gatehouse::proxy::session::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::string_literals;

// TPKT + X.224 Connection Request with a cookie and an RDP_NEG_REQ for TLS.
std::string connection_request(const std::string& cookie) {
  std::string body = "Cookie: mstshash=" + cookie + "\r\n" + "\x01\x00\x08\x00\x01\x00\x00\x00"s;
  std::size_t total = 11 + body.size();
  std::string out = "\x03\x00"s;
  out += static_cast<char>(total >> 8);
  out += static_cast<char>(total & 0xff);
  out += static_cast<char>(total - 5);
  out += "\xe0\x00\x00\x00\x00\x00"s;
  return out + body;
}

// A client on the io_context: sends its request, then keeps what comes back until EOF.
class rdp_client {
 public:
  rdp_client(asio::io_context& io, std::uint16_t port) : socket_(io) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket_, asio::buffer(request_));
    read();
  }
  // A read still pending when the client goes (its socket closed in here) completes later, in
  // the fixture's teardown: it must find the client gone, not touch it.
  ~rdp_client() { *alive_ = false; }
  rdp_client(const rdp_client&) = delete;
  rdp_client& operator=(const rdp_client&) = delete;
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }
  void leave() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [this, alive = alive_](boost::system::error_code ec, std::size_t n) {
                              if (!*alive) return;
                              received_.append(buffer_.data(), n);
                              if (ec) {
                                closed_ = true;
                                return;
                              }
                              read();
                            });
  }
  tcp::socket socket_;
  std::string request_ = connection_request("alice@win01");
  std::array<char, 256> buffer_{};
  std::string received_;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class RdpHoldGrid : public ::testing::Test {
 protected:
  RdpHoldGrid()
      : config_(files_.config(upstream_.port())),
        gate_(io_, config_),
        front_end_(
            io_.get_executor(), [this] { return config_; },
            rdp::front_end::parts{gate_, sessions_, events_.sink(), {}}),
        listener_(io_, [this](int fd, std::string peer) { front_end_.accept(fd, peer); }) {}
  ~RdpHoldGrid() override {
    sessions_.shut_all();
    run_until(io_, [this] { return front_end_.connection_count() == 0; });
  }

  std::unique_ptr<rdp_client> connect() {
    return std::make_unique<rdp_client>(io_, listener_.port());
  }
  bool held(std::size_t n) {
    return run_until(io_, [this, n] { return sessions_.held() == n; });
  }
  // Refused the RDP way: RDP_NEG_FAILURE, then the gate closes; the server never hears of it.
  void expect_refused(rdp_client& c) {
    ASSERT_TRUE(run_until(io_, [&c] { return c.closed(); }));
    EXPECT_EQ(c.received(),
              rdp::build_negotiation_failure(rdp::failure_code::ssl_not_allowed_by_server));
    EXPECT_EQ(upstream_.accepted(), 0u);
  }
  // Let through: win01 gets the request (the cookie kept) and the session is live.
  void expect_relayed() {
    ASSERT_TRUE(run_until(io_, [this] {
      return upstream_.received().find("mstshash=alice@win01") != std::string::npos;
    })) << "win01 never got the request";
    ASSERT_TRUE(run_until(io_, [this] { return events_.has("session.start"); }));
    EXPECT_FALSE(events_.has("access.denied"));
    auto listed = sessions_.list();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].as_object().at("state"), "active");
    EXPECT_EQ(listed[0].as_object().at("grant_id"), 7);  // the authorization's grant
  }
  std::string outcome_of_hold() const {
    auto ends = events_.named("hold.end");
    return ends.empty() ? "" : ends.back().text("outcome");
  }

  grid_files files_;
  asio::io_context io_;
  fake_upstream upstream_{io_};
  std::shared_ptr<const config::config> config_;
  scripted_gate gate_;
  registry sessions_;
  event_recorder events_;
  rdp::front_end front_end_;
  test_listener listener_;
};

TEST_F(RdpHoldGrid, AllowedGoesStraightToTheServer) {
  gate_.plan.first = verdict::allow;
  auto c = connect();
  expect_relayed();
  EXPECT_EQ(gate_.checks, 1);
  EXPECT_FALSE(events_.has("hold.start"));
}

// RDP cannot ask for a reason and never makes one up: without one filed ahead (which a
// justify rule has turned into a grant, so the check allows) the connection is refused.
TEST_F(RdpHoldGrid, JustifyWithoutAReasonFiledAheadIsRefusedSayingHowToFileOne) {
  gate_.plan.first = verdict::justification_needed;
  auto c = connect();
  ASSERT_TRUE(run_until(io_, [this] { return events_.has("access.denied"); }));
  auto denied = events_.named("access.denied").back();
  EXPECT_EQ(denied.text("reason"), "justification_missing");
  EXPECT_NE(denied.text("text").find("rdp-file win01 --reason"), std::string::npos)
      << denied.text("text");
  EXPECT_TRUE(gate_.justifications.empty());  // nothing filed, no fixed text
  EXPECT_FALSE(events_.has("justification.given"));
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(RdpHoldGrid, ApproveRuleRequiringAReasonIsRefusedWithoutOneFiledAhead) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.reason_required = true;
  auto c = connect();
  ASSERT_TRUE(run_until(io_, [this] { return events_.has("access.denied"); }));
  EXPECT_EQ(events_.named("access.denied").back().text("reason"), "justification_missing");
  EXPECT_FALSE(events_.has("hold.start"));
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(RdpHoldGrid, ApprovedWhileHeldGoesOn) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::approved;
  auto c = connect();
  expect_relayed();
  EXPECT_TRUE(events_.has("hold.start"));
  EXPECT_EQ(outcome_of_hold(), "approved");
  EXPECT_EQ(gate_.checks, 2);
  EXPECT_EQ(gate_.justifications, std::vector<std::string>{""});  // none asked, none made up
}

TEST_F(RdpHoldGrid, DeniedWhileHeldIsANegotiationFailure) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::denied;
  auto c = connect();
  expect_refused(*c);
  EXPECT_EQ(outcome_of_hold(), "denied");
  EXPECT_EQ(events_.named("hold.end").back().text("reason"), "request_denied");
}

TEST_F(RdpHoldGrid, ExpiredWhileHeldIsANegotiationFailure) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::expired;
  auto c = connect();
  expect_refused(*c);
  EXPECT_EQ(outcome_of_hold(), "expired");
}

TEST_F(RdpHoldGrid, HoldTimeoutIsADenial) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.hold_timeout = std::chrono::seconds(1);
  auto c = connect();
  ASSERT_TRUE(held(1));
  expect_refused(*c);
  EXPECT_TRUE(events_.has("hold.timeout"));
  EXPECT_EQ(gate_.watches_cancelled, gate_.watches);
}

TEST_F(RdpHoldGrid, ClientLeavingCancelsItsHold) {
  gate_.plan.first = verdict::approval_needed;
  auto c = connect();
  ASSERT_TRUE(held(1));
  EXPECT_EQ(front_end_.holds().caps.held_by("alice"), 1u);
  c->leave();
  ASSERT_TRUE(run_until(io_, [this] { return front_end_.connection_count() == 0; }));
  EXPECT_EQ(outcome_of_hold(), "client_left");
  EXPECT_EQ(gate_.watches_cancelled, gate_.watches);
  EXPECT_EQ(front_end_.holds().caps.held_by("alice"), 0u);
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(RdpHoldGrid, CapReachedRefusesTheNextHeldConnection) {
  gate_.plan.first = verdict::approval_needed;  // max_held_per_person: 1
  auto first = connect();
  ASSERT_TRUE(held(1));
  auto second = connect();
  expect_refused(*second);
  auto denied = events_.named("access.denied");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].text("reason"), "hold_cap_reached");
  EXPECT_NE(denied[0].text("text").find("Too many connections of alice"), std::string::npos);
  EXPECT_EQ(sessions_.held(), 1u);
}

}  // namespace
}  // namespace gatehouse::proxy::session::testing
