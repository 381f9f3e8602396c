#include "audit/recorder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace gatehouse::audit {
namespace {

TEST(Utf8, KeepsValidTextAndJoinsSplitSequences) {
  std::string carry;
  EXPECT_EQ(to_utf8("caf\xc3", carry), "caf");
  EXPECT_EQ(carry, "\xc3");
  EXPECT_EQ(to_utf8("\xa9 \xe2\x82", carry), "\xc3\xa9 ");
  EXPECT_EQ(to_utf8("\xac!", carry), "\xe2\x82\xac!");
  EXPECT_TRUE(carry.empty());
}

TEST(Utf8, ReplacesInvalidBytes) {
  std::string carry;
  EXPECT_EQ(to_utf8("a\xff"
                    "b\xc0\xaf"
                    "c\xed\xa0\x80",
                    carry),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd"
            "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(carry.empty());
}

TEST(Asciicast, HeaderEventsAndEscapes) {
  auto path =
      std::filesystem::temp_directory_path() / ("gh-cast-" + std::to_string(::getpid()) + ".cast");
  std::filesystem::remove(path);
  std::string error;
  auto r = asciicast_recorder::open(path.string(), "xterm", 100, 40, error);
  ASSERT_TRUE(r) << error;
  r->output("hi \"there\"\r\n\x1b[0m");
  r->resize(120, 50);
  r->input("ls\r");
  r->close();
  asciicast_recorder::wait_idle();
  std::ifstream in(path);
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(header.rfind("{\"version\": 2, \"width\": 100, \"height\": 40, \"timestamp\": ", 0),
            0u);
  EXPECT_NE(header.find("\"env\": {\"TERM\": \"xterm\"}}"), std::string::npos);
  EXPECT_NE(first.find(", \"o\", \"hi \\\"there\\\"\\r\\n\\u001b[0m\"]"), std::string::npos)
      << first;
  EXPECT_NE(second.find(", \"r\", \"120x50\"]"), std::string::npos) << second;
  std::string third;
  std::getline(in, third);
  EXPECT_NE(third.find(", \"i\", \"ls\\r\"]"), std::string::npos) << third;
  // a second recorder may not overwrite an existing file
  EXPECT_FALSE(asciicast_recorder::open(path.string(), "xterm", 80, 24, error));
  std::filesystem::remove(path);
}

// Megabytes of output (a `cat` of a big file) in many pieces, some batches written out while
// they are encoded (every 256 KiB): every piece is in the file, in order, and the recorder
// left nothing out (8 MiB stays under the queue's bound whatever the writer's pace).
TEST(Asciicast, ManyMegabytesAllRecordedInOrder) {
  auto path = std::filesystem::temp_directory_path() /
              ("gh-cast-big-" + std::to_string(::getpid()) + ".cast");
  std::filesystem::remove(path);
  std::string error;
  auto r = asciicast_recorder::open(path.string(), "xterm", 80, 24, error);
  ASSERT_TRUE(r) << error;
  constexpr int pieces = 512;
  for (int i = 0; i < pieces; ++i) {
    std::string piece = "piece " + std::to_string(i) + " ";
    piece.resize(16 * 1024, 'x');
    r->output(piece);
  }
  r->close();
  asciicast_recorder::wait_idle();
  EXPECT_EQ(r->dropped_bytes(), 0u);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  int next = 0;
  while (std::getline(in, line)) {
    auto at = line.find(", \"o\", \"piece ");
    ASSERT_NE(at, std::string::npos) << line.substr(0, 80);
    EXPECT_EQ(std::stoi(line.substr(at + 14)), next) << line.substr(0, 80);
    ++next;
  }
  EXPECT_EQ(next, pieces);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace gatehouse::audit
