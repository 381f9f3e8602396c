#pragma once
// The relay engine on the wire, for tests/apps: an https_server on 127.0.0.1 whose router hands
// every connection to serve_app_connection with a scripted handler, and real upstreams
// (tests/apps/upstream_app.py under python3-aiohttp: plain HTTP, and HTTPS with a certificate
// from a test CA). The handler picks the upstream by the request's Host:
//   plain.app -> the HTTP upstream   tls.app  -> the HTTPS upstream, verified against its CA
//   wrongca.app -> the HTTPS upstream verified against another CA    dead.app -> a closed port
//   answer.app -> the gate answers 403 itself
// The server runs on its own io thread; the tests talk to it as clients would (Beast, sync).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "apps/relay/relay.hpp"
#include "web/https_server.hpp"
#include "web/test_certificate.hpp"

extern char** environ;

// Resident-memory bounds are asserted only without AddressSanitizer (its shadow memory and
// quarantine inflate RSS); the tests of both files use this.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif

namespace gatehouse::apps::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using client_stream = beast::ssl_stream<beast::tcp_stream>;
using namespace std::chrono_literals;

inline bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

// Blocking reads on `s` fail after `limit` (tcp_stream's expiry is for async reads only).
inline void give_up_reading_after(client_stream& s, std::chrono::seconds limit) {
  timeval tv{static_cast<time_t>(limit.count()), 0};
  ::setsockopt(beast::get_lowest_layer(s).socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv,
               sizeof tv);
}

// A "Key:   N kB" line of /proc/self/status (VmRSS, VmHWM), in KiB.
inline std::uint64_t status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) return std::stoull(line.substr(key.size() + 1));
  return 0;
}

// Waits up to 5 s for `done`.
inline bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

// A python3 script of tests/apps as a child process (by default upstream_app.py, which prints
// its port first); its stderr goes to `log`. Killed when destroyed.
class upstream_process {
 public:
  upstream_process(const std::vector<std::string>& extra, const std::filesystem::path& log,
                   const std::string& script = "upstream_app.py")
      : log_(log) {
    int out[2];
    if (::pipe(out) != 0) return;
    std::vector<std::string> args = {GATEHOUSE_PYTHON3,
                                     std::string(GATEHOUSE_SOURCE_DIR) + "/tests/apps/" + script};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    port_ = line;
  }
  ~upstream_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& port() const { return port_; }  // the first line it printed
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::string port_;
};

class scripted_handler : public app_connection_handler {
 public:
  std::map<std::string, upstream_pool*> pools;  // by Host
  std::string origin = "https://plain.app";

  asio::awaitable<admission> admit(const web::request_header& request, const std::string&,
                                   std::shared_ptr<connection_end> conn,
                                   const client_watch&) override {
    last_end = conn;
    admission a;
    auto host = std::string(request[http::field::host]);
    a.origin = origin;
    if (host == "answer.app") {
      a.answer = web::web_reply{403, "text/plain", "the gate says no\n", {}};
      co_return a;
    }
    auto pool = pools.find(host);
    if (pool == pools.end()) {
      a.answer = web::web_reply{404, "text/plain", "no such app\n", {}};
      co_return a;
    }
    a.what = admission::kind::forward;
    a.pool = pool->second;
    a.add_headers = {{"Gatehouse-Jwt-Assertion", "signed-by-the-gate"}};
    a.drop_cookies = {"gatehouse_app"};
    a.drop_authorization = true;
    co_return a;
  }
  void completed(const exchange_record& r) override {
    std::lock_guard lock(mutex);
    records.push_back(r);
  }

  std::shared_ptr<connection_end> last_end;  // io thread
  std::mutex mutex;
  std::vector<exchange_record> records;

  // The last record, once there are `n` (the record of an exchange comes after its response).
  std::optional<exchange_record> record(std::size_t n) {
    std::optional<exchange_record> last;
    eventually([&] {
      std::lock_guard lock(mutex);
      if (records.size() >= n) last = records.back();
      return last.has_value();
    });
    return last;
  }
};

class RelayFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relay-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(web::test_support::make_test_certificate(dir_));
    make_upstream_certificates();
    plain_ = std::make_unique<upstream_process>(std::vector<std::string>{}, dir_ / "plain.log");
    tls_ = std::make_unique<upstream_process>(
        std::vector<std::string>{"--tls", (dir_ / "up.crt").string(), (dir_ / "up.key").string()},
        dir_ / "tls.log");
    ASSERT_FALSE(plain_->port().empty());
    ASSERT_FALSE(tls_->port().empty());

    limits_.response_header_time = 1500ms;
    auto pool_for = [&](const std::string& url, const std::string& ca) {
      auto t = parse_upstream(url, ca);
      EXPECT_TRUE(std::holds_alternative<upstream_target>(t));
      return std::make_unique<upstream_pool>(io_.get_executor(), std::get<upstream_target>(t),
                                             limits_);
    };
    plain_pool_ = pool_for("http://127.0.0.1:" + plain_->port(), "");
    tls_pool_ = pool_for("https://127.0.0.1:" + tls_->port(), (dir_ / "ca.crt").string());
    wrong_ca_pool_ =
        pool_for("https://127.0.0.1:" + tls_->port(), (dir_ / "other-ca.crt").string());
    dead_pool_ = pool_for("http://127.0.0.1:1", "");
    handler_.pools = {{"plain.app", plain_pool_.get()},
                      {"tls.app", tls_pool_.get()},
                      {"wrongca.app", wrong_ca_pool_.get()},
                      {"dead.app", dead_pool_.get()}};

    auto s = web::https_server::create(io_.get_executor(), (dir_ / "cert").string(),
                                       (dir_ / "key").string(), [](const web::web_request&) {
                                         return web::web_reply{500, "text/plain", "unrouted", {}};
                                       });
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<web::https_server>>(s));
    server_ = std::move(std::get<0>(s));
    server_->set_router([this](const web::web_request&) {
      return web::route{.take_over = [this](web::taken_connection& c) {
        return serve_app_connection(c, handler_, limits_);
      }};
    });
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
      plain_pool_.reset();
      tls_pool_.reset();
      wrong_ca_pool_.reset();
      dead_pool_.reset();
    });
    work_.reset();
    io_thread_.join();
    std::filesystem::remove_all(dir_);
  }

  void make_upstream_certificates() {
    auto d = dir_.string();
    auto ca = [&](const std::string& name) {
      return run(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
          "-days 1 -subj /CN=" +
          name + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
          ".crt >/dev/null 2>&1");
    };
    ASSERT_TRUE(ca("ca"));
    ASSERT_TRUE(ca("other-ca"));
    std::ofstream(dir_ / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
    ASSERT_TRUE(
        run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-subj /CN=127.0.0.1 -keyout " +
            d + "/up.key -out " + d + "/up.csr >/dev/null 2>&1"));
    ASSERT_TRUE(run("openssl x509 -req -in " + d + "/up.csr -CA " + d + "/ca.crt -CAkey " + d +
                    "/ca.key -CAcreateserial -days 1 -extfile " + d + "/san.ext -out " + d +
                    "/up.crt >/dev/null 2>&1"));
  }

  void accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      server_->accept(std::move(s), "10.0.0." + std::to_string(++next_peer_) + ":40000");
      accept_next();
    });
  }

  void on_io(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }

  std::string gate_port() const { return std::to_string(acceptor_.local_endpoint().port()); }

  void connect(client_stream& s) {
    beast::get_lowest_layer(s).connect(acceptor_.local_endpoint());
    s.handshake(asio::ssl::stream_base::client);
    give_up_reading_after(s, 30s);  // a broken relay fails the test instead of hanging it
  }

  // One request on `s`, the whole response read.
  http::response<http::string_body> exchange(client_stream& s,
                                             http::request<http::string_body> req) {
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    http::read(s, buffer, p);
    return p.release();
  }
  http::response<http::string_body> get(client_stream& s, const std::string& host,
                                        const std::string& target) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    return exchange(s, std::move(req));
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  relay_limits limits_;
  std::unique_ptr<upstream_process> plain_, tls_;
  std::unique_ptr<upstream_pool> plain_pool_, tls_pool_, wrong_ca_pool_, dead_pool_;
  scripted_handler handler_;
  std::unique_ptr<web::https_server> server_;
  tcp::acceptor acceptor_{io_};
  std::thread io_thread_;
  int next_peer_ = 0;
  asio::io_context client_io_;
  asio::ssl::context client_tls_{asio::ssl::context::tls_client};
};

}  // namespace gatehouse::apps::test_support
