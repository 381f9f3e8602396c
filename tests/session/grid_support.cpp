#include "tests/session/grid_support.hpp"

#include <stdlib.h>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.hpp"
#include "core/json_text.hpp"
#include "policy/decision.hpp"
#include "policy/justification.hpp"

namespace gatehouse::proxy::session::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

time_point wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// A live grant for whatever is asked: policy::decide turns an `approve` rule and a live grant
// into allowed_by_grant, whose authorization is the real, sealed one.
class any_live_grant final : public policy::grant_source {
 public:
  std::optional<policy::grant> live_grant(const policy::target& t, time_point now) const override {
    policy::grant g;
    g.id = 7;
    g.request = 42;
    g.person = t.person;
    g.server = t.server;
    g.account = t.account;
    g.start = now - std::chrono::hours(1);
    g.end = now + std::chrono::hours(1);
    return g;
  }
};

std::string first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string make_key(const std::string& dir, const std::string& name) {
  auto path = dir + "/" + name;
  auto command = "ssh-keygen -q -t ed25519 -N '' -C " + name + " -f '" + path + "' >/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return path;
}

// "TYPE BASE64" of a .pub line.
std::string type_and_key(const std::string& pub_line) {
  return pub_line.substr(0, pub_line.rfind(' '));
}

}  // namespace

void scripted_gate::check(const target& t, std::function<void(decision)> done) {
  ++checks;
  bool opened = request.state == request_state::approved;
  decision d;
  d.verdict = opened && checks > 1 ? verdict::allow : plan.first;
  d.rule = "needs-approval";
  d.hold_timeout = plan.hold_timeout;
  if (checks >= plan.store_away_from && checks <= plan.store_away_until) {
    d.verdict = verdict::approval_needed;
    d.store_unreachable = true;
  } else if (d.verdict == verdict::allow) {
    auto made = policy::decide(*config_, {t.person, t.server, t.account, t.protocol},
                               any_live_grant(), wall_now());
    if (auto* g = std::get_if<policy::decisions::allowed_by_grant>(&made))
      d.authorization = g->authorization;
    else
      ADD_FAILURE() << "the test configuration gives no grant: " << policy::decision_name(made);
  } else if (d.verdict == verdict::deny) {
    d.deny = policy::deny_reason::rule_denies;
    d.text = "rule closed denies " + t.person;
  }
  asio::post(io_, [done = std::move(done), d = std::move(d)]() mutable { done(std::move(d)); });
}

void scripted_gate::file_or_reuse(const target&, const std::string& justification,
                                  std::function<void(filing)> done) {
  if (plan.reason_required && justification.empty()) {
    auto refused = filing(policy::justification_required_text("root@web01"));
    asio::post(io_, [done = std::move(done), refused] { done(refused); });
    return;
  }
  justifications.push_back(justification);
  // A justify rule approves at filing.
  if (plan.first == verdict::justification_needed) request.state = request_state::approved;
  asio::post(io_, [done = std::move(done), r = request] { done(r); });
}

void scripted_gate::find_request(std::int64_t,
                                 std::function<void(std::optional<request_status>)> done) {
  asio::post(io_, [done = std::move(done), r = request] { done(r); });
}

watch scripted_gate::watch_request(std::int64_t, std::function<void(const request_status&)> fn) {
  ++watches;
  auto live = std::make_shared<bool>(true);
  auto fire = [this, live, fn] {
    if (*live) fn(request);
  };
  if (request.state != request_state::pending) {
    asio::post(io_, fire);
  } else if (plan.decided_to) {
    auto& timer = timers_.emplace_back(std::make_unique<asio::steady_timer>(io_));
    timer->expires_after(plan.decided_after);
    timer->async_wait([this, fire](boost::system::error_code ec) {
      if (ec) return;
      request.state = *plan.decided_to;
      request.decided_by = "bob";
      request.comment = "not now";
      fire();
    });
  }
  return watch([this, live] {
    *live = false;
    ++watches_cancelled;
  });
}

watch scripted_gate::watch_grant(std::int64_t, std::function<void(const grant_status&)>) {
  return {};
}

std::string recorded_event::text(const std::string& key) const {
  const auto* v = fields.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->as_string());
  return json_serialize(*v);
}

event_sink event_recorder::sink() {
  return [this](std::string_view name, boost::json::object fields) {
    all.push_back({std::string(name), std::move(fields)});
  };
}

std::vector<recorded_event> event_recorder::named(const std::string& name) const {
  std::vector<recorded_event> out;
  for (const auto& e : all)
    if (e.name == name) out.push_back(e);
  return out;
}

grid_files::grid_files() {
  std::string pattern = (std::filesystem::temp_directory_path() / "gatehouse-grid-XXXXXX").string();
  if (!mkdtemp(pattern.data())) ADD_FAILURE() << "mkdtemp failed";
  dir = pattern;
  host_key_ = make_key(dir, "host_key");
  account_key_ = make_key(dir, "web01_root");
  alice_key = make_key(dir, "alice");
  alice_public_ = type_and_key(first_line(alice_key + ".pub"));
  upstream_public_ = type_and_key(first_line(make_key(dir, "upstream") + ".pub"));
}

grid_files::~grid_files() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::shared_ptr<const config::config> grid_files::config(std::uint16_t upstream_port) const {
  auto at = "\"127.0.0.1:" + std::to_string(upstream_port) + "\"";
  std::string text = R"(instance_name: grid
store: "sqlite::memory:"
listen:
  ssh: { address: "127.0.0.1:0", host_keys: [host_key], max_held_per_person: 1 }
  rdp: { address: "127.0.0.1:0", trust_mstshash_cookie: true, trusted_networks: ["127.0.0.0/8"],
         max_held_per_person: 1 }
  admin: { socket: admin.sock }
users:
  - name: alice
    email: alice@example.com
    ssh_keys: [")" + alice_public_ +
                     R"("]
  - name: bob
    email: bob@example.com
servers:
  - name: web01
    protocol: ssh
    address: )" + at +
                     R"(
    host_key: ")" + upstream_public_ +
                     R"("
    accounts:
      - { name: root, key_file: web01_root }
  - name: win01
    protocol: rdp
    address: )" + at +
                     R"(
rules:
  - name: needs-approval
    users: [alice]
    servers: [web01, win01]
    accounts: ["*"]
    mode: approve
    approvers: [bob]
)";
  auto loaded = config::load_string(text, "grid.yaml", dir);
  for (const auto& p : loaded.problems) ADD_FAILURE() << p.to_string();
  return loaded.value;
}

bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return done();
}

fake_upstream::fake_upstream(asio::io_context& io)
    : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  accept_next();
}

std::uint16_t fake_upstream::port() const { return acceptor_.local_endpoint().port(); }

void fake_upstream::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
    if (ec) return;
    auto socket = std::make_shared<tcp::socket>(std::move(s));
    sockets_.push_back(socket);
    socket->async_read_some(asio::buffer(buffer_),
                            [this, socket](boost::system::error_code rec, std::size_t n) {
                              if (!rec) received_.append(buffer_.data(), n);
                            });
    accept_next();
  });
}

void fake_upstream::close_all() {
  for (auto& s : sockets_) {
    boost::system::error_code ignored;
    s->close(ignored);
  }
}

test_listener::test_listener(asio::io_context& io, std::function<void(int, std::string)> take)
    : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), take_(std::move(take)) {
  accept_next();
}

std::uint16_t test_listener::port() const { return acceptor_.local_endpoint().port(); }

void test_listener::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto remote = socket.remote_endpoint(ec);
    std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    int fd = socket.release(ec);
    if (!ec) take_(fd, peer);
    accept_next();
  });
}

}  // namespace gatehouse::proxy::session::testing
