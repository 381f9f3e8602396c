#include "proxy/ssh/sftp_audit.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

struct recorder {
  std::vector<std::string> lines;
  sftp_observer::report sink() {
    return [this](std::string_view e, boost::json::object f) {
      lines.push_back(std::string(e) + " " + boost::json::serialize(f));
    };
  }
};

TEST(SftpObserver, OpenWriteCloseAcrossArbitrarySplits) {
  recorder rec;
  sftp_observer o(rec.sink());
  std::string client =
      packet(1, u32(3)) +                                         // INIT
      packet(3, u32(7) + str("/tmp/a b") + u32(0x1a) + u32(0)) +  // OPEN
      packet(6, u32(8) + str("H1") + u32(0) + u32(0) + str(std::string(70000, 'x'))) +
      packet(4, u32(9) + str("H1"));  // CLOSE
  std::string server = packet(2, u32(3)) + packet(102, u32(7) + str("H1")) +
                       packet(101, u32(8) + u32(0) + str("") + str(""));
  // INIT and OPEN one byte at a time, then the server's VERSION and HANDLE in two pieces,
  // then the WRITE and CLOSE in one piece.
  const std::size_t init_and_open = 9 + 29;
  for (std::size_t i = 0; i < init_and_open; ++i) o.from_client(client.data() + i, 1);
  o.from_server(server.data(), 9);
  o.from_server(server.data() + 9, server.size() - 9);
  o.from_client(client.data() + init_and_open, client.size() - init_and_open);
  ASSERT_EQ(rec.lines.size(), 2u) << (rec.lines.empty() ? "" : rec.lines[0]);
  EXPECT_EQ(rec.lines[0], R"(sftp.open {"path":"/tmp/a b","flags":"write,create,truncate"})");
  EXPECT_EQ(rec.lines[1], R"(sftp.close {"path":"/tmp/a b","bytes_read":0,"bytes_written":70000})");
}

TEST(SftpObserver, PathOperations) {
  recorder rec;
  sftp_observer o(rec.sink());
  std::string c = packet(13, u32(1) + str("/x")) + packet(14, u32(2) + str("/d") + u32(0)) +
                  packet(15, u32(3) + str("/d")) + packet(18, u32(4) + str("/a") + str("/b")) +
                  packet(20, u32(5) + str("/target") + str("/link")) +
                  packet(200, u32(6) + str("posix-rename@openssh.com") + str("/b") + str("/c"));
  o.from_client(c.data(), c.size());
  std::vector<std::string> want = {
      R"(sftp.remove {"path":"/x"})",
      R"(sftp.mkdir {"path":"/d"})",
      R"(sftp.rmdir {"path":"/d"})",
      R"(sftp.rename {"path":"/a","to":"/b"})",
      R"(sftp.symlink {"target":"/target","path":"/link"})",
      R"(sftp.rename {"path":"/b","to":"/c"})",
  };
  EXPECT_EQ(rec.lines, want);
}

TEST(SftpObserver, CountsReadsAndReportsOpenHandlesAtTheEnd) {
  recorder rec;
  sftp_observer o(rec.sink());
  auto c = packet(3, u32(1) + str("/f") + u32(1) + u32(0)) +
           packet(5, u32(2) + str("H") + u32(0) + u32(0) + u32(32768));
  auto s = packet(102, u32(1) + str("H")) + packet(103, u32(2) + str(std::string(1000, 'z')));
  o.from_client(c.data(), 4 + 1 + 4 + 4 + 2 + 4 + 4);  // the OPEN
  o.from_server(s.data(), 4 + 1 + 4 + 4 + 1);          // the HANDLE
  o.from_client(c.data() + 23, c.size() - 23);         // the READ
  o.from_server(s.data() + 14, s.size() - 14);         // the DATA
  o.finish();
  ASSERT_EQ(rec.lines.size(), 2u);
  EXPECT_EQ(rec.lines[1], R"(sftp.close {"path":"/f","bytes_read":1000,"bytes_written":0})");
}

TEST(SftpObserver, StopsOnAbsurdLengths) {
  recorder rec;
  sftp_observer o(rec.sink());
  auto bad = u32(10'000'000) + std::string(10, 'x');
  o.from_client(bad.data(), bad.size());
  EXPECT_TRUE(o.stopped());
  ASSERT_EQ(rec.lines.size(), 1u);
  EXPECT_EQ(rec.lines[0].rfind("sftp.unparsed", 0), 0u);
}

TEST(SftpObserver, StopsWithAReasonOnAPathLongerThan8KiB) {
  // Kept whole up to 8 KiB per path (a rename of two such paths included)...
  recorder rec;
  sftp_observer o(rec.sink());
  std::string a(8192, 'a'), b(8192, 'b');
  auto rename = packet(18, u32(1) + str(a) + str(b));
  o.from_client(rename.data(), rename.size());
  EXPECT_FALSE(o.stopped());
  ASSERT_EQ(rec.lines.size(), 1u);
  EXPECT_EQ(rec.lines[0].rfind("sftp.rename", 0), 0u);
  // ... but a longer one cannot be audited: the observer stops and says why, whether the
  // path fits the kept head (9,000 bytes) or not (100,000 bytes).
  for (std::size_t size : {9000u, 100000u}) {
    recorder r2;
    sftp_observer o2(r2.sink());
    auto mkdir = packet(14, u32(2) + str(std::string(size, 'x')) + u32(0));
    o2.from_client(mkdir.data(), mkdir.size());
    EXPECT_TRUE(o2.stopped());
    EXPECT_EQ(o2.failure(), "path longer than 8 KiB");
    EXPECT_EQ(r2.lines,
              std::vector<std::string>{R"(sftp.unparsed {"reason":"path longer than 8 KiB"})"});
  }
}

TEST(SftpObserver, StopsWithAReasonOnTooManyOutstandingRequests) {
  recorder rec;
  sftp_observer o(rec.sink());
  std::string c;
  for (std::uint32_t id = 1; id <= 10001; ++id)
    c += packet(5, u32(id) + str("H") + u32(0) + u32(0) + u32(1));
  o.from_client(c.data(), c.size());
  EXPECT_TRUE(o.stopped());
  EXPECT_EQ(o.failure(), "more than 10,000 outstanding requests");
}

TEST(SftpObserver, MalformedRequestIsNamed) {
  recorder rec;
  sftp_observer o(rec.sink());
  auto bad = packet(13, u32(1) + u32(50) + "short");  // REMOVE whose path runs past the end
  o.from_client(bad.data(), bad.size());
  EXPECT_EQ(o.failure(), "malformed request");
}

TEST(SftpObserver, FsetstatNamesTheHandlesPath) {
  recorder rec;
  sftp_observer o(rec.sink());
  auto open = packet(3, u32(1) + str("/srv/x") + u32(0x02) + u32(0));
  auto handle = packet(102, u32(1) + str("H"));
  auto fsetstat = packet(10, u32(2) + str("H") + u32(0x04) + u32(0644));
  auto unknown = packet(10, u32(3) + str("nope") + u32(0));
  o.from_client(open.data(), open.size());
  o.from_server(handle.data(), handle.size());
  o.from_client(fsetstat.data(), fsetstat.size());
  o.from_client(unknown.data(), unknown.size());
  ASSERT_EQ(rec.lines.size(), 2u);
  EXPECT_EQ(rec.lines[1], R"(sftp.setstat {"path":"/srv/x"})");
  EXPECT_FALSE(o.stopped());
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
