// Request smuggling at the relay, on the wire (raw bytes over TLS): each ambiguous request -
// as the connection's first request (read by https_server) or a later one (read by the relay
// engine) - is answered 400 and the connection closed, and the upstream never sees it; a body
// with a bad chunk size ends the connection. Meanwhile an exchange on another connection
// completes.
#include <future>

#include "apps/relay_fixture.hpp"

namespace gatehouse::apps {
namespace {

using namespace test_support;
using Smuggling = RelayFixture;

// Writes `raw`, then reads until the server closes (or 10 s pass).
std::string send_raw(client_stream& s, const std::string& raw) {
  asio::write(s, asio::buffer(raw));
  give_up_reading_after(s, 10s);
  std::string got;
  char piece[4096];
  for (;;) {
    boost::system::error_code ec;
    auto n = s.read_some(asio::buffer(piece), ec);
    got.append(piece, n);
    if (ec) break;
  }
  return got;
}

const std::string fine = "GET /headers HTTP/1.1\r\nHost: plain.app\r\n\r\n";

TEST_F(Smuggling, AmbiguousRequestsAreRefusedAndClosed) {
  auto concurrent = std::async(std::launch::async, [this] {
    client_stream s(client_io_, client_tls_);
    connect(s);
    return get(s, "plain.app", "/slow?ms=1000").result_int();
  });
  const std::vector<std::string> ambiguous = {
      "POST /headers/a HTTP/1.1\r\nHost: plain.app\r\nContent-Length: 4\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /headers/b HTTP/1.1\r\nHost: plain.app\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "0\r\n\r\n",
      "POST /headers/c HTTP/1.1\r\nHost: plain.app\r\nTransfer-Encoding: identity\r\n\r\n",
      "POST /headers/d HTTP/1.1\r\nHost: plain.app\r\nContent-Length: 4\r\nContent-Length: 4\r\n"
      "\r\nabcd",
      "POST /headers/e HTTP/1.1\r\nHost: plain.app\r\nContent-Length: 4, 4\r\n\r\nabcd",
      "POST /headers/f HTTP/1.1\r\nHost: plain.app\r\nContent-Length: 4\r\nX-Fold: a\r\n"
      " Transfer-Encoding: chunked\r\n\r\nabcd",
      "GET /headers/g HTTP/1.1\r\nHost: plain.app\r\nHost: other.app\r\n\r\n",
  };
  for (bool later : {false, true}) {
    for (const auto& request : ambiguous) {
      client_stream s(client_io_, client_tls_);
      connect(s);
      auto got = send_raw(s, (later ? fine : "") + request);
      auto last = got.rfind("HTTP/1.1 ");
      ASSERT_NE(last, std::string::npos) << request;
      EXPECT_EQ(got.substr(last, 12), "HTTP/1.1 400") << (later ? "later: " : "first: ") << request;
      EXPECT_EQ(got.find("/headers/"), std::string::npos) << "the upstream saw " << request;
      if (later) {
        EXPECT_EQ(got.find("HTTP/1.1 200"), 0u);
      }
    }
  }
  EXPECT_EQ(concurrent.get(), 200);
}

TEST_F(Smuggling, BadChunkSizesEndTheConnection) {
  client_stream s(client_io_, client_tls_);
  connect(s);
  auto got = send_raw(s,
                      "POST /upload HTTP/1.1\r\nHost: plain.app\r\nTransfer-Encoding: chunked\r\n"
                      "\r\nzz\r\nabcd\r\n0\r\n\r\n" +
                          fine);
  EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
}

}  // namespace
}  // namespace gatehouse::apps
