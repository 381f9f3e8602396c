// A libFuzzer-style harness for the SFTP observer, run as a bounded ctest: random bytes and
// mutations of well-formed SFTP sessions, fed in random splits to both directions. Asserts no
// crash (ASan/UBSan in the Sanitize build) and that tracked state stays within its bound.
// GATEHOUSE_FUZZ_ITERATIONS and GATEHOUSE_FUZZ_SEED change the run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "proxy/ssh/sftp_audit.hpp"

namespace gatehouse::proxy::ssh {
namespace {

std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string str(const std::string& s) { return u32(static_cast<std::uint32_t>(s.size())) + s; }
std::string packet(std::uint8_t type, const std::string& body) {
  return u32(static_cast<std::uint32_t>(body.size() + 1)) + static_cast<char>(type) + body;
}

std::size_t env_number(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// The client and server streams of a small, valid session.
std::pair<std::string, std::string> seed_session() {
  std::string c = packet(1, u32(3)) + packet(3, u32(1) + str("/a") + u32(0x1a) + u32(0)) +
                  packet(6, u32(2) + str("H") + std::string(8, '\0') + str("data")) +
                  packet(5, u32(3) + str("H") + std::string(8, '\0') + u32(100)) +
                  packet(10, u32(4) + str("H") + u32(0)) + packet(4, u32(5) + str("H")) +
                  packet(18, u32(6) + str("/a") + str("/b")) + packet(13, u32(7) + str("/b")) +
                  packet(20, u32(8) + str("/t") + str("/l")) +
                  packet(200, u32(9) + str("posix-rename@openssh.com") + str("/x") + str("/y")) +
                  packet(11, u32(10) + str("/d"));
  std::string s = packet(2, u32(3)) + packet(102, u32(1) + str("H")) +
                  packet(101, u32(2) + u32(0) + str("") + str("")) +
                  packet(103, u32(3) + str("abc")) + packet(102, u32(10) + str("D"));
  return {c, s};
}

void mutate(std::string& s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> op(0, 4);
  int n = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) {
    std::size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[at] = static_cast<char>(rng());
        break;
      case 1: s.insert(at, 1, static_cast<char>(rng())); break;
      case 2:
        if (!s.empty()) s.erase(at, 1 + rng() % 16);
        break;
      case 3: s.insert(at, s.substr(at, rng() % 64)); break;  // duplicate a run
      case 4:
        if (s.size() >= at + 4) s.replace(at, 4, u32(static_cast<std::uint32_t>(rng())));
        break;
    }
  }
}

void feed_in_pieces(sftp_observer& o, const std::string& c, const std::string& s,
                    std::mt19937_64& rng) {
  std::size_t ci = 0, si = 0;
  while (ci < c.size() || si < s.size()) {
    bool client = si >= s.size() || (ci < c.size() && rng() % 2 == 0);
    auto& data = client ? c : s;
    auto& i = client ? ci : si;
    std::size_t n = std::min<std::size_t>(data.size() - i, 1 + rng() % 300);
    if (client)
      o.from_client(data.data() + i, n);
    else
      o.from_server(data.data() + i, n);
    i += n;
  }
}

TEST(SftpFuzz, RandomAndMutatedStreamsNeverCrashAndStayBounded) {
  auto iterations = env_number("GATEHOUSE_FUZZ_ITERATIONS", 60000);
  auto seed = env_number("GATEHOUSE_FUZZ_SEED", 20261122);
  std::mt19937_64 rng(seed);
  auto [client, server] = seed_session();
  std::size_t events = 0;
  for (std::size_t i = 0; i < iterations; ++i) {
    std::string c = client, s = server;
    if (i % 4 == 0) {  // pure noise, sometimes with a plausible length prefix
      c.assign(rng() % 2048, '\0');
      for (auto& ch : c) ch = static_cast<char>(rng());
      if (i % 8 == 0 && c.size() >= 4)
        c.replace(0, 4, u32(static_cast<std::uint32_t>(c.size() - 4)));
    } else {
      mutate(c, rng);
      mutate(s, rng);
    }
    sftp_observer o([&events](std::string_view, boost::json::object) { ++events; });
    feed_in_pieces(o, c, s, rng);
    EXPECT_LE(o.tracked(), 30000u);
    o.finish();
  }
  EXPECT_GT(events, 0u);
}

TEST(SftpFuzz, ManyOutstandingRequestsAreCapped) {
  // A client that opens and never hears back must not grow the observer without bound.
  std::size_t events = 0;
  sftp_observer o([&events](std::string_view, boost::json::object) { ++events; });
  std::string c;
  for (std::uint32_t id = 0; id < 25000; ++id)
    c += packet(5, u32(id) + str("H") + std::string(8, '\0') + u32(1));
  o.from_client(c.data(), c.size());
  EXPECT_TRUE(o.stopped());
  EXPECT_LE(o.tracked(), 10000u);
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
