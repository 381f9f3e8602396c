// Fuzz harness: a client's request head and an upstream's response head as the relay engine
// reads them (Beast's parser), then the relay's header rules (apps/relay/request_rules.hpp)
// and the upstream URL parser.
//
// Contract checked: a head that framing_problem accepts has at most one Content-Length (no
// list) and a Transfer-Encoding only when it is exactly "chunked" and alone; the upstream is
// never sent Host, hop-by-hop fields, or identity a client could forge, only the gate's one
// X-Forwarded-For and its own identity; the client is never sent hop-by-hop fields or a cookie
// Domain; a recorded path carries no query value; a parsed upstream has a port in 1..65535.
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "apps/relay/request_rules.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;
namespace http = boost::beast::http;

namespace {
template <bool isRequest>
bool parse(std::string_view text, http::parser<isRequest, http::empty_body>& p) {
  p.eager(false);
  p.header_limit(16 * 1024);
  boost::system::error_code ec;
  p.put(boost::asio::buffer(text.data(), text.size()), ec);
  return !ec && p.is_header_done();
}

void check_forwarded(const http::fields& out) {
  for (const auto& f : out) {
    auto name = f.name_string();
    for (std::string_view banned :
         {"host", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
          "content-length", "forwarded", "x-remote-user", "authorization"})
      fuzz::require(!boost::beast::iequals(name, banned), "a banned field is not forwarded", name);
    fuzz::require(!(name.size() >= 12 && boost::beast::iequals(name.substr(0, 12), "x-gatehouse-")),
                  "no X-Gatehouse-* is forwarded", name);
  }
  fuzz::require(out.count("X-Forwarded-For") == 1, "one X-Forwarded-For");
  fuzz::require(out["Gatehouse-Jwt-Assertion"] == "gate", "the gate's identity only");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  http::request_parser<http::empty_body> request;
  if (parse(text, request)) {
    const auto& head = request.get().base();
    if (apps::framing_problem(head).empty()) {
      fuzz::require(head.count(http::field::content_length) <= 1, "one Content-Length");
      auto te = head.find(http::field::transfer_encoding);
      fuzz::require(te == head.end() || (boost::beast::iequals(te->value(), "chunked") &&
                                         head.count(http::field::content_length) == 0),
                    "Transfer-Encoding is exactly chunked, alone");
    }
    apps::admission a;
    a.add_headers = {{"Gatehouse-Jwt-Assertion", "gate"}};
    a.drop_cookies = {"gatehouse_app"};
    a.drop_authorization = true;
    check_forwarded(apps::upstream_fields(head, a, "10.0.0.1:5"));
    auto path = apps::recorded_path(std::string_view(head.target().data(), head.target().size()));
    auto q = path.find('?');
    if (q != std::string::npos)
      for (auto eq = path.find('=', q); eq != std::string::npos; eq = path.find('=', eq + 1))
        fuzz::require(eq + 1 == path.size() || path[eq + 1] == '&', "no query value recorded",
                      path);
  }

  http::response_parser<http::empty_body> response;
  if (parse(text, response)) {
    apps::upstream_target t;
    t.host = "127.0.0.1";
    t.port = "3000";
    t.base_path = "/base";
    auto out = apps::client_fields(response.get().base(), t, "https://app.example");
    for (const auto& f : out) {
      fuzz::require(!boost::beast::iequals(f.name_string(), "connection") &&
                        !boost::beast::iequals(f.name_string(), "transfer-encoding"),
                    "no hop-by-hop field reaches the client", f.name_string());
      if (f.name() == http::field::set_cookie) {
        std::string_view value(f.value().data(), f.value().size());
        for (auto semi = value.find(';'); semi != std::string_view::npos;
             semi = value.find(';', semi + 1)) {
          auto attribute = value.substr(semi + 1);
          attribute = attribute.substr(0, attribute.find(';'));
          attribute = attribute.substr(0, attribute.find('='));
          while (!attribute.empty() && (attribute.front() == ' ' || attribute.front() == '\t'))
            attribute.remove_prefix(1);
          while (!attribute.empty() && (attribute.back() == ' ' || attribute.back() == '\t'))
            attribute.remove_suffix(1);
          fuzz::require(!boost::beast::iequals(attribute, "domain"), "no cookie Domain", value);
        }
      }
    }
  }

  auto parsed = apps::parse_upstream(std::string(text.substr(0, 200)), "/ca.pem");
  if (auto* t = std::get_if<apps::upstream_target>(&parsed)) {
    auto port = std::stoul(t->port);
    fuzz::require(port >= 1 && port <= 65535, "a port in 1..65535", t->port);
    fuzz::require(!t->host.empty(), "a host");
  }
  return 0;
}
