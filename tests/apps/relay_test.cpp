// The relay engine on the wire (tests/apps/relay_fixture.hpp): what the upstream receives
// (forwarded and stripped headers, X-Forwarded-*), what the client receives (Location back at
// the app's origin, cookies without Domain), 100 MB each way with the engine's memory bounded,
// keep-alive reuse of one upstream connection, a TLS upstream verified against its CA (another
// CA: 502, never proxied), a dead upstream (502), a slow one (504), the gate's own answers, and
// request smuggling refused with 400 and a close while another exchange completes.
#include <boost/json.hpp>
#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "apps/relay_fixture.hpp"

namespace gatehouse::apps {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

constexpr std::uint64_t big = 100ull << 20;

std::string block() {  // upstream_app.py's BLOCK: byte i = i % 251, 251 * 256 bytes
  std::string b(251 * 256, '\0');
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<char>(i % 251);
  return b;
}

struct sha256 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  sha256() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~sha256() { EVP_MD_CTX_free(ctx); }
  void add(const void* p, std::size_t n) { EVP_DigestUpdate(ctx, p, n); }
  std::string hex() {
    unsigned char out[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, out, &len);
    std::string s;
    char two[3];
    for (unsigned i = 0; i < len; ++i) {
      std::snprintf(two, sizeof two, "%02x", out[i]);
      s += two;
    }
    return s;
  }
};

std::string expected_sha256(std::uint64_t n) {
  auto b = block();
  sha256 h;
  for (std::uint64_t done = 0; done < n;) {
    auto k = std::min<std::uint64_t>(b.size(), n - done);
    h.add(b.data(), k);
    done += k;
  }
  return h.hex();
}

// Peak resident memory since reset_peak_memory(), in bytes.
void reset_peak_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }
std::map<std::string, std::string> seen_headers(const std::string& json) {
  std::map<std::string, std::string> out;
  auto v = boost::json::parse(json);
  for (const auto& h : v.at("headers").as_array()) {
    auto key = std::string(h.as_array()[0].as_string());
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    out[key] += std::string(h.as_array()[1].as_string());
  }
  return out;
}

using Relay = RelayFixture;

TEST_F(Relay, ForwardsIdentityAndStripsForgedHeaders) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::request<http::string_body> req{http::verb::get, "/headers?q=secret", 11};
  req.set(http::field::host, "plain.app");
  req.set("X-Gatehouse-User", "mallory");
  req.set("Gatehouse-Jwt-Assertion", "forged");
  req.set("X-Forwarded-For", "6.6.6.6");
  req.set("X-Forwarded-User", "mallory");
  req.set("X-Remote-User", "mallory");
  req.set(http::field::authorization, "Bearer gate-token");
  req.set(http::field::cookie, "app=1; gatehouse_app=gate-secret; theme=dark");
  req.set(http::field::connection, "keep-alive, X-Hop");
  req.set("X-Hop", "hop");
  req.set("X-App-Header", "kept");
  auto res = exchange(s, std::move(req));
  ASSERT_EQ(res.result_int(), 200) << res.body();
  auto h = seen_headers(res.body());
  EXPECT_EQ(h["host"], "127.0.0.1:" + plain_->port());
  EXPECT_EQ(h["x-forwarded-for"], "10.0.0.1");
  EXPECT_EQ(h["x-forwarded-proto"], "https");
  EXPECT_EQ(h["x-forwarded-host"], "plain.app");
  EXPECT_EQ(h["gatehouse-jwt-assertion"], "signed-by-the-gate");
  EXPECT_EQ(h["cookie"], "app=1; theme=dark");
  EXPECT_EQ(h["x-app-header"], "kept");
  for (const char* gone :
       {"x-gatehouse-user", "x-forwarded-user", "x-remote-user", "authorization", "x-hop"})
    EXPECT_EQ(h.count(gone), 0u) << gone;
  auto record = handler_.record(1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->path, "/headers?q=");
  EXPECT_EQ(record->status, 200);
  EXPECT_GT(record->bytes_out, 0u);
}

TEST_F(Relay, RewritesLocationAndDropsCookieDomain) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto moved = get(s, "plain.app", "/redirect");
  EXPECT_EQ(moved.result_int(), 302);
  EXPECT_EQ(moved[http::field::location], "https://plain.app/landed");
  auto cookie = get(s, "plain.app", "/cookie");
  EXPECT_EQ(cookie[http::field::set_cookie], "session=abc; Path=/; HttpOnly");
}

TEST_F(Relay, KeepsOneUpstreamConnectionForManyRequests) {
  std::set<std::string> connections;
  for (int c = 0; c < 2; ++c) {
    client_stream s(client_io_, client_tls_);
    connect(s);
    for (int i = 0; i < 3; ++i) {
      auto res = get(s, "plain.app", "/headers");
      ASSERT_EQ(res.result_int(), 200);
      connections.insert(boost::json::serialize(boost::json::parse(res.body()).at("connection")));
    }
  }
  EXPECT_EQ(connections.size(), 1u);
  std::size_t opened = 0;
  on_io([&] { opened = plain_pool_->opened(); });
  EXPECT_EQ(opened, 1u);
}

// The app closes a kept connection without saying so (its keep-alive timeout): the next
// request on it is still answered. A GET goes out without a look at the socket first and is
// retried once on a fresh connection; a POST (not retried) is sent only on one that looks alive.
TEST_F(Relay, AConnectionTheAppClosedWhileKeptIsNoError) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  ASSERT_EQ(get(s, "plain.app", "/headers/close-after").result_int(), 200);
  std::this_thread::sleep_for(300ms);
  auto again = get(s, "plain.app", "/headers/close-after");
  EXPECT_EQ(again.result_int(), 200) << again.body();
  std::this_thread::sleep_for(300ms);
  http::request<http::string_body> post{http::verb::post, "/headers/posted", 11};
  post.set(http::field::host, "plain.app");
  post.body() = "form=1";
  post.prepare_payload();
  auto posted = exchange(s, std::move(post));
  EXPECT_EQ(posted.result_int(), 200) << posted.body();
  EXPECT_NE(posted.body().find("\"method\": \"POST\""), std::string::npos) << posted.body();
  std::size_t opened = 0;
  on_io([&] { opened = plain_pool_->opened(); });
  EXPECT_EQ(opened, 3u);  // each closed one replaced once
}

TEST_F(Relay, AnswersForTheGate) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto no = get(s, "answer.app", "/anything");
  EXPECT_EQ(no.result_int(), 403);
  EXPECT_EQ(no.body(), "the gate says no\n");
  EXPECT_EQ(get(s, "plain.app", "/headers").result_int(), 200);  // the connection goes on
}

TEST_F(Relay, Downloads100MBThroughBoundedMemory) {
  for (const char* how : {"", "&chunked=1"}) {
    client_stream s(client_io_, client_tls_);
    connect(s);
    http::request<http::empty_body> req{http::verb::get,
                                        "/download?bytes=" + std::to_string(big) + how, 11};
    req.set(http::field::host, "plain.app");
    http::write(s, req);
    auto before = status_kib("VmRSS:");
    reset_peak_memory();
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> p;
    p.body_limit(boost::none);
    http::read_header(s, buffer, p);
    ASSERT_EQ(p.get().result_int(), 200);
    EXPECT_EQ(p.get().chunked(), std::string(how) != "");
    std::vector<char> piece(64 * 1024);
    sha256 got;
    std::uint64_t total = 0;
    while (!p.is_done()) {
      p.get().body().data = piece.data();
      p.get().body().size = piece.size();
      boost::system::error_code ec;
      http::read(s, buffer, p, ec);
      if (ec == http::error::need_buffer) ec = {};
      ASSERT_FALSE(ec) << ec.message();
      auto n = piece.size() - p.get().body().size;
      got.add(piece.data(), n);
      total += n;
    }
    EXPECT_EQ(total, big);
    EXPECT_EQ(got.hex(), expected_sha256(big));
    auto peak = status_kib("VmHWM:");
    // Resident memory means nothing under AddressSanitizer (shadow memory, quarantine).
    if (!sanitized_build) {
      EXPECT_LT(peak, before + 32 * 1024)
          << "resident memory grew by " << (peak - before) << " KiB";
    }
  }
  std::uint64_t queued = 0;
  on_io([&] { queued = server_->counters().peak_queued_reply_bytes; });
  EXPECT_LE(queued, 64u * 1024) << "a response body moves a 64 KiB piece at a time";
}

TEST_F(Relay, Uploads100MBThroughBoundedMemory) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  http::request<http::buffer_body> req{http::verb::post, "/upload", 11};
  req.set(http::field::host, "plain.app");
  req.content_length(big);
  req.body().data = nullptr;
  req.body().more = true;
  http::request_serializer<http::buffer_body> sr{req};
  http::write_header(s, sr);
  auto before = status_kib("VmRSS:");
  reset_peak_memory();
  auto b = block();
  for (std::uint64_t sent = 0; sent < big;) {
    auto n = std::min<std::uint64_t>(b.size(), big - sent);
    req.body().data = b.data();
    req.body().size = n;
    req.body().more = sent + n < big;
    boost::system::error_code ec;
    http::write(s, sr, ec);
    if (ec == http::error::need_buffer) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    sent += n;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  ASSERT_EQ(res.result_int(), 200) << res.body();
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(v.at("size").as_int64(), static_cast<std::int64_t>(big));
  EXPECT_EQ(std::string(v.at("sha256").as_string()), expected_sha256(big));
  auto peak = status_kib("VmHWM:");
  // Resident memory means nothing under AddressSanitizer (shadow memory, quarantine).
  if (!sanitized_build) {
    EXPECT_LT(peak, before + 32 * 1024) << "resident memory grew by " << (peak - before) << " KiB";
  }
  auto record = handler_.record(1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->bytes_in, big);
}

TEST_F(Relay, VerifiesTlsUpstreamsAgainstTheirCa) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto ok = get(s, "tls.app", "/headers");
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  EXPECT_EQ(seen_headers(ok.body())["x-forwarded-proto"], "https");
  client_stream t(client_io_, client_tls_);
  connect(t);
  auto refused = get(t, "wrongca.app", "/headers");
  EXPECT_EQ(refused.result_int(), 502);
  EXPECT_EQ(refused.body().find("\"headers\""), std::string::npos);
}

TEST_F(Relay, AnswersBadGatewayOrTimeoutForBrokenUpstreams) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto dead = get(s, "dead.app", "/headers");
  EXPECT_EQ(dead.result_int(), 502);
  client_stream t(client_io_, client_tls_);
  connect(t);
  auto slow = get(t, "plain.app", "/slow?ms=4000");  // response_header_time is 1.5 s
  EXPECT_EQ(slow.result_int(), 504);
}

}  // namespace
}  // namespace gatehouse::apps
