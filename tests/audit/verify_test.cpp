// Tampering with one line of a rotated log is found, and named by file and line.
#include "audit/verify.hpp"

#include <gtest/gtest.h>

#include "audit/event_log.hpp"
#include "audit/log_files.hpp"
#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;
using testing::read_lines;
using testing::write_lines;

class VerifyRotated : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = (dir_ / "audit.jsonl").string();
    event_log log({path_, 1200});
    for (int i = 0; i < 30; ++i)
      log.record(make_event("sftp.rename", {{"path", "/a" + std::to_string(i)}, {"to", "/b"}}));
    files_ = chain_files(path_);
    ASSERT_GE(files_.size(), 3u);
    rotated_ = files_[1];  // a rotated file in the middle of the chain
    lines_ = read_lines(rotated_);
    ASSERT_GE(lines_.size(), 4u);
  }
  verify_result verify() { return verify_files(files_); }

  std::filesystem::path dir_;
  std::string path_, rotated_;
  std::vector<std::string> files_, lines_;
};

TEST_F(VerifyRotated, IntactChainPasses) {
  auto r = verify();
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.lines, 31u);  // the genesis record and the 30 events
  EXPECT_EQ(r.summary().substr(0, 7), "intact:");
}

TEST_F(VerifyRotated, AnEditedLineIsNamed) {
  auto edited = lines_;
  edited[2].replace(edited[2].find("/a"), 2, "/z");
  write_lines(rotated_, edited);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, rotated_);
  EXPECT_EQ(r.line, 3u);
  EXPECT_EQ(r.summary(), rotated_ + ":3: hash does not match the line's content (edited)");
}

TEST_F(VerifyRotated, ADeletedLineIsNamedAtTheGap) {
  auto shorter = lines_;
  shorter.erase(shorter.begin() + 1);
  write_lines(rotated_, shorter);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, rotated_);
  EXPECT_EQ(r.line, 2u);
  EXPECT_NE(r.problem.find("missing or out of order"), std::string::npos);
}

TEST_F(VerifyRotated, ADeletedLastLineIsFoundAtTheNextFile) {
  auto shorter = lines_;
  shorter.pop_back();
  write_lines(rotated_, shorter);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, files_[2]);
  EXPECT_EQ(r.line, 1u);
}

TEST_F(VerifyRotated, ReorderedLinesAreNamed) {
  auto swapped = lines_;
  std::swap(swapped[1], swapped[2]);
  write_lines(rotated_, swapped);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, rotated_);
  EXPECT_EQ(r.line, 2u);
}

TEST_F(VerifyRotated, FilesOutOfOrderAreFound) {
  std::swap(files_[0], files_[1]);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, files_[0]);  // the chain no longer starts at its genesis
  EXPECT_EQ(r.line, 1u);
  EXPECT_NE(r.problem.find("cut head"), std::string::npos) << r.problem;
}

TEST_F(VerifyRotated, AReHashedForgeryBreaksTheNextLink) {
  // Rewriting a line with a correct own hash still breaks the next line's prev_hash.
  auto forged = lines_;
  std::string problem;
  auto checked = check_line(lines_[1], problem);
  ASSERT_TRUE(checked);
  auto fake = format_line(make_event("sftp.rename", {{"path", "/innocent"}, {"to", "/b"}}),
                          {checked->seq - 1, checked->prev_hash});
  forged[1] = fake.text;
  write_lines(rotated_, forged);
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.line, 3u);
  EXPECT_EQ(r.problem, "prev_hash is not the previous line's hash");
}

TEST_F(VerifyRotated, ATruncatedFileIsFound) {
  std::ofstream out(rotated_, std::ios::app);
  out << "{\"ts\":";
  out.close();
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.line, lines_.size() + 1);
}

TEST_F(VerifyRotated, ANegativeSeqWithARightHashIsNamedNotThrown) {
  // Found by fuzz/audit_line: "seq":-1 in a line whose own hash was made right (anyone who can
  // write the file can) threw from check_line - `audit verify` ended in std::terminate, and the
  // daemon could not start on a log that ends in such a line.
  std::string body =
      "{\"ts\":\"2026-11-18T11:06:40.123Z\",\"seq\":-1,\"event\":\"a\","
      "\"prev_hash\":\"" +
      genesis_hash + "\"}";
  std::string line = body.substr(0, body.size() - 1) + ",\"hash\":\"" + sha256_hex(body) + "\"}";
  auto forged = lines_;
  forged[1] = line;
  write_lines(rotated_, forged);
  verify_result r;
  ASSERT_NO_THROW(r = verify());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.summary(), rotated_ + ":2: missing or malformed ts, seq, event or prev_hash");

  auto live = read_lines(path_);
  live.back() = line;
  write_lines(path_, live);
  EXPECT_NO_THROW(event_log({path_, 1200}));  // the chain is not continued; nothing throws
}

}  // namespace
}  // namespace gatehouse::audit
