// Fuzz harness: RDP routing tokens (proxy::rdp::verify_token), which arrive from any client in
// the X.224 Connection Request, and the .rdp file text around the tokens the gate makes.
//
// Contract checked: a token that is not the gate's never verifies (a fuzzer cannot forge the
// MAC); the input's '~' fields, signed with the fixture key by make_token, give a token that
// verifies to exactly those claims (until it expires), fits max_token_length, and travels
// unchanged through a .rdp file and an X.224 Connection Request.
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "proxy/rdp/rdp_file.hpp"
#include "proxy/rdp/token.hpp"
#include "proxy/rdp/x224.hpp"

using namespace gatehouse;
namespace rdp = gatehouse::proxy::rdp;

namespace {

const std::string key(32, 'k');
const rdp::unix_seconds now{std::chrono::seconds(1'800'000'000)};

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find('~');
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// The X.224 Connection Request an RDP client sends for a .rdp file's loadbalanceinfo.
std::string connection_request_with(std::string_view token) {
  std::string body = std::string(token) + "\r\n";
  std::size_t total = rdp::tpkt_header_size + 7 + body.size();
  std::string out = {'\x03',
                     '\x00',
                     char(total >> 8),
                     char(total & 0xff),
                     char(total - rdp::tpkt_header_size - 1),
                     '\xe0',
                     0,
                     0,
                     0,
                     0,
                     0};
  return out + body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto verified = rdp::verify_token(key, input, now);
  if (auto* problem = std::get_if<std::string>(&verified))
    fuzz::require(*problem == "malformed" || *problem == "bad signature" || *problem == "expired",
                  "a refusal is one of the audit labels", *problem);
  else
    fuzz::require(false, "a token the gate did not sign verifies", input);

  auto f = fields(input);
  if (f.size() < 5) return 0;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), seconds);
  if (ec != std::errc() || end != f[3].data() + f[3].size() || seconds < 0 ||
      seconds >= 1'000'000'000'000)
    return 0;
  rdp::unix_seconds expires{std::chrono::seconds(seconds)};
  auto made = rdp::make_token(key, f[1], f[2], expires, f[4]);
  auto* token = std::get_if<0>(&made);
  if (token == nullptr) return 0;
  fuzz::require(token->size() <= rdp::max_token_length, "a token fits max_token_length", *token);

  auto back = rdp::verify_token(key, *token, now);
  if (expires <= now) {
    auto* problem = std::get_if<std::string>(&back);
    fuzz::require(problem && *problem == "expired", "an old token is expired", *token);
  } else {
    auto* claims = std::get_if<rdp::token_claims>(&back);
    fuzz::require(claims != nullptr, "a token the gate made verifies", *token);
    fuzz::require(claims->person == f[1] && claims->server == f[2] && claims->expires == expires &&
                      claims->nonce == f[4],
                  "a token verifies to the claims it was made with", *token);
  }
  fuzz::require(!std::holds_alternative<rdp::token_claims>(
                    rdp::verify_token(std::string(32, 'x'), *token, now)),
                "a token does not verify under another key", *token);

  auto file = rdp::rdp_file_text("gate.example:3389", *token);
  fuzz::require(file.find("loadbalanceinfo:s:" + *token + "\r\n") != std::string::npos,
                "the .rdp file carries the token on one line", file);
  rdp::request_parser parser;
  fuzz::require(
      parser.feed(connection_request_with(*token)) == rdp::request_parser::status::complete &&
          parser.request().token == *token,
      "the token travels unchanged in a Connection Request", parser.error());
  return 0;
}
