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

}  // namespace
}  // namespace gatehouse::audit
