// What the gate makes of the browser terminal's frames: keystrokes pass byte for byte (NUL and
// escape sequences included), sizes are clamped, and anything malformed is ignored, never
// misread.
#include "terminal/terminal_frames.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gatehouse::terminal {
namespace {

using namespace std::string_literals;
using kind = browser_frame::kind;

TEST(TerminalFrames, DataIsTheBytesAfterTheType) {
  const auto frame = "dls -l\r\x1b[A\0\xff"s;
  auto f = parse_browser_frame(frame);
  EXPECT_EQ(f.type, kind::data);
  EXPECT_EQ(f.data, "ls -l\r\x1b[A\0\xff"s);
  EXPECT_EQ(parse_browser_frame("d").type, kind::data);
  EXPECT_TRUE(parse_browser_frame("d").data.empty());
}

TEST(TerminalFrames, ResizeIsTwoBigEndianNumbersClamped) {
  auto f = parse_browser_frame("r\x00\x50\x00\x18"s);
  EXPECT_EQ(f.type, kind::resize);
  EXPECT_EQ(f.cols, 80);
  EXPECT_EQ(f.rows, 24);
  f = parse_browser_frame("r\x00\x00\xff\xff"s);
  EXPECT_EQ(f.cols, 1);
  EXPECT_EQ(f.rows, most_cells);
}

TEST(TerminalFrames, AckCountsDrawnBytes) {
  auto f = parse_browser_frame("a\x00\x01\x00\x00"s);
  EXPECT_EQ(f.type, kind::ack);
  EXPECT_EQ(f.drawn, 65536u);
}

TEST(TerminalFrames, MalformedFramesAreIgnored) {
  for (const auto& frame :
       {""s, "r\x00\x50\x00"s, "r\x00\x50\x00\x18\x00"s, "a\x01"s, "x"s, "\x00"s, "Data"s}) {
    EXPECT_EQ(parse_browser_frame(frame).type, kind::ignored) << frame.size();
  }
}

TEST(TerminalFrames, GateFramesAreTypeThenPayload) {
  EXPECT_EQ(gate_frame('c', "access grant #7 ended"), "caccess grant #7 ended");
  EXPECT_EQ(gate_frame('d', "\0x"s), "d\0x"s);
}

}  // namespace
}  // namespace gatehouse::terminal
