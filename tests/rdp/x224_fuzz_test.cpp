// Mutation fuzz of the Connection Request parser: valid requests with bytes flipped, inserted,
// removed and truncated, fed in random chunks. The parser must always end in a definite state
// within its bounds, and whatever it accepts must forward as a request it accepts again.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proxy/rdp/x224.hpp"

namespace gatehouse::proxy::rdp {
namespace {

using namespace std::string_literals;
using status = request_parser::status;

std::string request_with(const std::string& body) {
  std::size_t total = 11 + body.size();
  std::string out = "\x03\x00"s;
  out += static_cast<char>(total >> 8);
  out += static_cast<char>(total & 0xff);
  out += static_cast<char>(total - 5);
  return out + "\xe0\x00\x00\x00\x00\x00"s + body;
}

std::vector<std::string> seeds() {
  std::string neg = "\x01\x00\x08\x00\x03\x00\x00\x00"s;
  std::string corr = "\x01\x08\x08\x00\x0b\x00\x00\x00\x06\x00\x24\x00"s + std::string(32, 'x');
  return {request_with("Cookie: mstshash=alice\r\n" + neg),
          request_with("gh1~a~b~1~ff\r\n" + neg),
          request_with(neg),
          request_with("Cookie: msts=1.2.3\r\n"),
          request_with("t\r\n" + corr),
          request_with("")};
}

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 5), byte(0, 255);
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    std::size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[at] = static_cast<char>(byte(rng));
        break;
      case 1: s.insert(at, 1, static_cast<char>(byte(rng))); break;
      case 2:
        if (!s.empty()) s.erase(at, 1);
        break;
      case 3: s.resize(at); break;
      case 4:
        if (s.size() > 4) s[2 + rng() % 2] = static_cast<char>(byte(rng));
        break;
      default: s += std::string(rng() % 300, static_cast<char>(byte(rng))); break;
    }
  }
  return s;
}

TEST(X224Fuzz, MutatedRequestsNeverEscapeTheBounds) {
  std::mt19937 rng(20261122);
  auto base = seeds();
  int complete = 0, errors = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string input = i % 10 == 0 ? std::string(rng() % 400, static_cast<char>(rng()))
                                    : mutate(base[rng() % base.size()], rng);
    request_parser p;
    std::size_t fed = 0;
    while (fed < input.size() && p.current() == status::need_more) {
      std::size_t n = 1 + rng() % 64;
      p.feed(std::string_view(input).substr(fed, n));
      fed += n;
    }
    ASSERT_LE(fed, input.size() + 64);
    if (p.current() == status::error) {
      ++errors;
      ASSERT_FALSE(p.error().empty());
      continue;
    }
    if (p.current() != status::complete) {
      ASSERT_LT(input.size(), max_request_size);
      continue;
    }
    ++complete;
    auto fwd = build_forwarded_request(p.request());
    ASSERT_LE(fwd.size(), max_request_size);
    request_parser again;
    ASSERT_EQ(again.feed(fwd), status::complete) << again.error();
    EXPECT_EQ(again.request().negotiation.has_value(), p.request().negotiation.has_value());
  }
  EXPECT_GT(complete, 100);
  EXPECT_GT(errors, 1000);
}

}  // namespace
}  // namespace gatehouse::proxy::rdp
