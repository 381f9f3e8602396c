#include "websftp/sftp_wire.hpp"

#include <gtest/gtest.h>

#include "certs/ssh_wire.hpp"

namespace gatehouse::websftp {
namespace {

std::string packet(std::uint8_t type, std::uint32_t id, const std::string& body) {
  return request(type, id, body).substr(4);  // without the length field
}

std::string name_packet(std::uint32_t id,
                        const std::vector<std::pair<std::string, std::uint32_t>>& names) {
  certs::wire_writer w;
  w.u32(static_cast<std::uint32_t>(names.size()));
  for (const auto& [name, mode] : names) {
    w.string(name);
    w.string("-rw-r--r-- 1 u u 5 Jan 1 " + name);
    w.u32(0x01 | 0x04 | 0x08);
    w.u64(5);
    w.u32(mode);
    w.u32(1);
    w.u32(1700000000);
  }
  return packet(fxp_name, id, w.take());
}

TEST(SftpWire, RequestsAreFramedWithLengthTypeAndId) {
  auto r = request(fxp_opendir, 7, path_body("/tmp"));
  ASSERT_EQ(r.size(), 4u + 1 + 4 + 4 + 4);
  EXPECT_EQ(r.substr(0, 4), std::string("\0\0\0\x0d", 4));
  EXPECT_EQ(r[4], char(fxp_opendir));
  EXPECT_EQ(r.substr(5, 4), std::string("\0\0\0\x07", 4));
  EXPECT_EQ(r.substr(9), std::string("\0\0\0\x04/tmp", 8));
  EXPECT_EQ(init_packet(), std::string("\0\0\0\x05\x01\0\0\0\x03", 9));
}

TEST(SftpWire, RepliesAreRead) {
  certs::wire_writer status;
  status.u32(fx_no_such_file);
  status.string("No such file");
  status.string("en");
  auto s = parse_reply(packet(fxp_status, 3, status.take()));
  EXPECT_EQ(s.type, reply::kind::status);
  EXPECT_EQ(s.id, 3u);
  EXPECT_EQ(s.status, fx_no_such_file);
  EXPECT_EQ(s.message, "No such file");

  auto h = parse_reply(packet(fxp_handle, 4, path_body("H1")));
  EXPECT_EQ(h.type, reply::kind::handle);
  EXPECT_EQ(h.handle, "H1");
  auto d = parse_reply(packet(fxp_data, 5, path_body(std::string("\0bytes", 6))));
  EXPECT_EQ(d.type, reply::kind::data);
  EXPECT_EQ(d.data, std::string("\0bytes", 6));

  auto n = parse_reply(name_packet(6, {{"dir", 0040755}, {"file.txt", 0100644}}));
  ASSERT_EQ(n.type, reply::kind::name);
  ASSERT_EQ(n.names.size(), 2u);
  EXPECT_TRUE(n.names[0].attrs.directory());
  EXPECT_FALSE(n.names[1].attrs.directory());
  EXPECT_EQ(n.names[1].name, "file.txt");
  EXPECT_EQ(*n.names[1].attrs.size, 5u);
  EXPECT_EQ(*n.names[1].attrs.mtime, 1700000000u);
}

TEST(SftpWire, TruncatedOrUnknownRepliesAreMalformed) {
  auto whole = name_packet(6, {{"dir", 0040755}});
  for (std::size_t cut = 0; cut < whole.size(); ++cut)
    EXPECT_EQ(parse_reply(whole.substr(0, cut)).type, reply::kind::malformed) << cut;
  EXPECT_EQ(parse_reply(packet(200, 1, "")).type, reply::kind::malformed);
  certs::wire_writer huge;
  huge.u32(0xffffffff);  // more names than the packet could hold
  EXPECT_EQ(parse_reply(packet(fxp_name, 1, huge.take())).type, reply::kind::malformed);
}

TEST(SftpWire, TheSplitterCutsPacketsWhateverThePieces) {
  auto a = request(fxp_handle, 1, path_body("H"));
  auto b = request(fxp_data, 2, path_body(std::string(70000, 'x')));
  auto stream = a + b;
  for (std::size_t piece : {1u, 3u, 4096u, 200000u}) {
    packet_splitter s;
    std::vector<std::string> got;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      s.feed(std::string_view(stream).substr(at, piece));
      while (auto p = s.next()) got.push_back(*p);
    }
    ASSERT_EQ(got.size(), 2u) << piece;
    EXPECT_EQ(got[0], a.substr(4));
    EXPECT_EQ(got[1], b.substr(4));
    EXPECT_EQ(s.buffered(), 0u);
  }
}

TEST(SftpWire, ALengthOverTheLimitStopsTheSplitter) {
  packet_splitter s;
  s.feed(std::string("\x7f\xff\xff\xff\x65", 5));
  EXPECT_FALSE(s.next());
  EXPECT_TRUE(s.failed());
  s.feed(request(fxp_handle, 1, path_body("H")));
  EXPECT_FALSE(s.next());  // stays stopped
  packet_splitter zero;
  zero.feed(std::string("\0\0\0\0", 4));
  EXPECT_FALSE(zero.next());
  EXPECT_TRUE(zero.failed());
}

TEST(SftpWire, BrowserPathsAreBoundedAndWithoutNul) {
  EXPECT_EQ(browser_path("/home/a b/c.txt"), "/home/a b/c.txt");
  EXPECT_FALSE(browser_path(""));
  EXPECT_FALSE(browser_path(std::string("/tmp/a\0b", 8)));
  EXPECT_TRUE(browser_path(std::string(max_path, 'a')));
  EXPECT_FALSE(browser_path(std::string(max_path + 1, 'a')));
  EXPECT_EQ(browser_path("caf\xe9"), "caf\xe9");  // bytes stay bytes
}

}  // namespace
}  // namespace gatehouse::websftp
