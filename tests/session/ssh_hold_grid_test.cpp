// The hold grid through the real SSH front end (proxy/ssh/front_end) on a loopback port, with
// a scripted gate: a libssh client logs in as alice@root@web01 from its own thread while the
// test turns the io_context. "Let through" is seen where it matters: the front end dials the
// server (a fake upstream that accepts and hangs up, so the login then fails in words);
// refusals are seen in the client's disconnect message and in the audit events.
#include <sys/socket.h>

#include <gtest/gtest.h>
#include <libssh/libssh.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "policy/store_reachability.hpp"
#include "proxy/ssh/front_end.hpp"
#include "tests/session/grid_support.hpp"

namespace gatehouse::proxy::session::testing {
namespace {

class no_own_commands final : public ssh::own_commands {
 public:
  void own_view_async(const std::string&, std::function<void(std::string)> done) override {
    done({});
  }
  void run_command_async(const std::string&, std::vector<std::string>,
                         std::function<void(ssh::command_result)> done) override {
    done({});
  }
};

// One libssh client in its own thread: connect, public key, keyboard-interactive when asked.
class ssh_client {
 public:
  ssh_client(std::uint16_t port, std::string key, std::string justification = {})
      : thread_([this, port, key = std::move(key), justification = std::move(justification)] {
          run(port, key, justification);
        }) {}
  ~ssh_client() {
    leave();
    thread_.join();
  }
  bool done() const { return done_; }
  // The client gives up: its socket is shut down under it.
  void leave() {
    if (int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  int result() const { return rc_; }
  std::string message() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return message_;
  }

 private:
  void run(std::uint16_t port, const std::string& key, const std::string& justification) {
    ssh_session s = ssh_new();
    unsigned int p = port;
    long timeout = 30;
    int no = 0;
    ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
    ssh_options_set(s, SSH_OPTIONS_PORT, &p);
    ssh_options_set(s, SSH_OPTIONS_USER, "alice@root@web01");
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
    ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &no);
    int rc = SSH_AUTH_ERROR;
    if (ssh_connect(s) == SSH_OK) {
      fd_ = ssh_get_fd(s);
      // Non-blocking from here: a blocking libssh call would sit out its whole timeout after
      // the gate's DISCONNECT (its socket gone, nothing left to poll).
      ssh_set_blocking(s, 0);
      ssh_key k = nullptr;
      if (ssh_pki_import_privkey_file(key.c_str(), nullptr, nullptr, nullptr, &k) == SSH_OK) {
        rc = answered(s, [&] { return ssh_userauth_publickey(s, nullptr, k); });
        ssh_key_free(k);
      }
      if (rc == SSH_AUTH_PARTIAL && !justification.empty()) {
        rc = answered(s, [&] { return ssh_userauth_kbdint(s, nullptr, nullptr); });
        while (rc == SSH_AUTH_INFO) {
          for (int i = 0; i < ssh_userauth_kbdint_getnprompts(s); ++i)
            ssh_userauth_kbdint_setanswer(s, i, justification.c_str());
          rc = answered(s, [&] { return ssh_userauth_kbdint(s, nullptr, nullptr); });
        }
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      message_ = ssh_get_error(s);
    }
    fd_ = -1;
    ssh_disconnect(s);
    ssh_free(s);
    rc_ = rc;
    done_ = true;
  }

  // Calls `step` until it has an answer, or the connection is gone.
  template <typename F>
  static int answered(ssh_session s, F step) {
    int rc = step();
    for (int i = 0; rc == SSH_AUTH_AGAIN && i < 3000; ++i) {
      if (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) return SSH_AUTH_ERROR;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      rc = step();
    }
    return rc;
  }

  std::atomic<int> fd_{-1};
  std::atomic<bool> done_{false};
  std::atomic<int> rc_{SSH_AUTH_ERROR};
  mutable std::mutex mutex_;
  std::string message_;
  std::thread thread_;
};

class SshHoldGrid : public ::testing::Test {
 protected:
  SshHoldGrid()
      : config_(files_.config(upstream_.port())),
        gate_(io_, config_),
        front_end_(
            io_.get_executor(), [this] { return config_; },
            ssh::front_end::parts{gate_, own_, sessions_, events_.sink(), {}}),
        listener_(io_, [this](int fd, std::string peer) { front_end_.accept(fd, peer); }) {}
  ~SshHoldGrid() override {
    sessions_.shut_all();
    run_until(io_, [this] { return front_end_.connection_count() == 0; });
  }

  std::unique_ptr<ssh_client> connect(std::string justification = {}) {
    return std::make_unique<ssh_client>(listener_.port(), files_.alice_key,
                                        std::move(justification));
  }
  bool finished(const ssh_client& c) {
    return run_until(io_, [&c] { return c.done(); });
  }
  bool held(std::size_t n) {
    return run_until(io_, [this, n] { return sessions_.held() == n; });
  }
  std::string outcome_of_hold() const {
    auto ends = events_.named("hold.end");
    return ends.empty() ? "" : ends.back().text("outcome");
  }
  // Let through: the front end dials web01 with the authorization; the fake server hangs up,
  // which the person hears as the upstream's failure.
  void expect_dialled(ssh_client& c) {
    ASSERT_TRUE(run_until(io_, [this] { return upstream_.accepted() == 1; }))
        << "never dialled web01";
    upstream_.close_all();
    ASSERT_TRUE(finished(c));
    EXPECT_NE(c.result(), SSH_AUTH_SUCCESS);
    EXPECT_FALSE(events_.has("access.denied"));
    ASSERT_TRUE(events_.has("upstream.failure"));
    EXPECT_EQ(events_.named("upstream.failure")[0].text("reason"), "upstream_failed");
  }
  std::string denial() const {
    auto d = events_.named("access.denied");
    return d.empty() ? "" : d.back().text("reason");
  }

  grid_files files_;
  boost::asio::io_context io_;
  fake_upstream upstream_{io_};
  std::shared_ptr<const config::config> config_;
  scripted_gate gate_;
  no_own_commands own_;
  registry sessions_;
  event_recorder events_;
  ssh::front_end front_end_;
  test_listener listener_;
};

TEST_F(SshHoldGrid, AllowedGoesStraightToTheServer) {
  gate_.plan.first = verdict::allow;
  auto c = connect();
  expect_dialled(*c);
  EXPECT_EQ(gate_.checks, 1);
  EXPECT_FALSE(events_.has("hold.start"));
}

TEST_F(SshHoldGrid, JustificationIsAskedFiledAndLetsThrough) {
  gate_.plan.first = verdict::justification_needed;
  auto c = connect("fix the disk");
  expect_dialled(*c);
  EXPECT_EQ(gate_.justifications, std::vector<std::string>{"fix the disk"});
  EXPECT_TRUE(events_.has("justification.given"));
}

// approve + require_justification, nothing filed ahead: the interactive client is asked by
// keyboard-interactive before the hold, and the request is filed with its answer.
TEST_F(SshHoldGrid, ApproveRuleRequiringAReasonAsksForItBeforeTheHold) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.reason_required = true;
  gate_.plan.decided_to = request_state::approved;
  auto c = connect("read the logs");
  expect_dialled(*c);
  EXPECT_EQ(gate_.justifications, std::vector<std::string>{"read the logs"});  // filed once
  ASSERT_EQ(events_.named("justification.given").size(), 1u);
  EXPECT_EQ(events_.named("justification.given")[0].fields.at("request_id"), 42);
  EXPECT_TRUE(events_.has("hold.start"));
  EXPECT_EQ(outcome_of_hold(), "approved");
}

// The same for a client that does not answer keyboard-interactive (BatchMode): refused for
// want of a reason, audited, nothing filed and no place taken.
TEST_F(SshHoldGrid, ApproveRuleRequiringAReasonRefusesAClientThatCannotGiveOne) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.reason_required = true;
  auto c = connect();
  ASSERT_TRUE(finished(*c));
  EXPECT_NE(c->result(), SSH_AUTH_SUCCESS);
  ASSERT_TRUE(run_until(io_, [this] { return events_.has("access.denied"); }));
  EXPECT_EQ(denial(), "justification_missing");
  EXPECT_FALSE(events_.has("hold.start"));
  EXPECT_TRUE(gate_.justifications.empty());
  EXPECT_EQ(upstream_.accepted(), 0u);
}

// Without require_justification an approve rule asks nothing: every client (BatchMode, scp,
// git) waits at its key as before, and the request is filed without a reason.
TEST_F(SshHoldGrid, ApproveRuleWithoutRequiredReasonHoldsEveryClientAtItsKey) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::approved;
  auto c = connect();
  expect_dialled(*c);
  EXPECT_EQ(gate_.justifications, std::vector<std::string>{""});
  EXPECT_FALSE(events_.has("justification.given"));
}

TEST_F(SshHoldGrid, ApprovedWhileHeldGoesOn) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::approved;
  auto c = connect();
  expect_dialled(*c);
  EXPECT_TRUE(events_.has("hold.start"));
  EXPECT_EQ(outcome_of_hold(), "approved");
  EXPECT_EQ(gate_.checks, 2);  // checked again after the approval
}

TEST_F(SshHoldGrid, DeniedWhileHeldIsToldWhoDenied) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::denied;
  auto c = connect();
  ASSERT_TRUE(finished(*c));
  EXPECT_NE(c->result(), SSH_AUTH_SUCCESS);
  EXPECT_NE(c->message().find("Request #42 denied by bob: not now"), std::string::npos)
      << c->message();
  EXPECT_EQ(outcome_of_hold(), "denied");
  EXPECT_EQ(events_.named("hold.end").back().text("reason"), "request_denied");
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(SshHoldGrid, ExpiredWhileHeldIsRefused) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::expired;
  auto c = connect();
  ASSERT_TRUE(finished(*c));
  EXPECT_NE(c->message().find("expired without a decision"), std::string::npos) << c->message();
  EXPECT_EQ(outcome_of_hold(), "expired");
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(SshHoldGrid, HoldTimeoutIsADenial) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.hold_timeout = std::chrono::seconds(1);
  auto c = connect();
  ASSERT_TRUE(held(1));
  ASSERT_TRUE(finished(*c));
  EXPECT_NE(c->message().find("timed out"), std::string::npos) << c->message();
  EXPECT_TRUE(events_.has("hold.timeout"));
  EXPECT_EQ(gate_.watches_cancelled, gate_.watches);
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(SshHoldGrid, ClientLeavingCancelsItsHold) {
  gate_.plan.first = verdict::approval_needed;
  auto c = connect();
  ASSERT_TRUE(held(1));
  EXPECT_EQ(front_end_.holds().caps.held_by("alice"), 1u);
  c->leave();
  ASSERT_TRUE(run_until(io_, [this] { return sessions_.size() == 0; }));
  EXPECT_EQ(outcome_of_hold(), "client_left");
  EXPECT_EQ(gate_.watches_cancelled, gate_.watches);
  EXPECT_EQ(front_end_.holds().caps.held_by("alice"), 0u);
}

TEST_F(SshHoldGrid, CapReachedRefusesTheNextHeldConnection) {
  gate_.plan.first = verdict::approval_needed;  // max_held_per_person: 1
  auto first = connect();
  ASSERT_TRUE(held(1));
  auto second = connect();
  ASSERT_TRUE(finished(*second));
  EXPECT_NE(second->message().find("Too many connections of alice"), std::string::npos)
      << second->message();
  EXPECT_EQ(denial(), "hold_cap_reached");
  EXPECT_EQ(sessions_.held(), 1u);
}

TEST_F(SshHoldGrid, ANewLoginWhileTheStoreIsAwayIsRefusedSayingSo) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.store_away_from = 1;
  gate_.plan.store_away_until = 1;
  auto c = connect();
  ASSERT_TRUE(finished(*c));
  EXPECT_NE(c->result(), SSH_AUTH_SUCCESS);
  EXPECT_NE(c->message().find(std::string(policy::store_unreachable_text)), std::string::npos)
      << c->message();
  EXPECT_EQ(denial(), "store_unreachable");
  EXPECT_FALSE(events_.has("hold.start"));  // nothing filed, no place taken
  EXPECT_EQ(gate_.justifications.size(), 0u);
  EXPECT_EQ(upstream_.accepted(), 0u);
}

TEST_F(SshHoldGrid, ApprovedWhileTheStoreIsAwayWaitsAndGoesOnOnceItIsBack) {
  gate_.plan.first = verdict::approval_needed;
  gate_.plan.decided_to = request_state::approved;
  gate_.plan.store_away_from = 2;  // the re-checks after the approval, twice
  gate_.plan.store_away_until = 3;
  auto c = connect();
  expect_dialled(*c);  // never refused for the store's absence: asked again until it answered
  EXPECT_EQ(gate_.checks, 4);
  EXPECT_EQ(outcome_of_hold(), "approved");
}

}  // namespace
}  // namespace gatehouse::proxy::session::testing
