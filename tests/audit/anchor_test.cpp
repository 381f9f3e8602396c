// The chain anchored at both ends: a genesis record, signed checkpoints and the signed head
// file let `audit verify` find a cut head, a cut tail and a chain edited and re-hashed without
// the key - each named by file and line.
#include "audit/anchor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "audit/event_log.hpp"
#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;
using testing::read_lines;
using testing::write_lines;

const std::string key(32, 'k');
const std::string other_key(32, 'o');

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Recomputes every hash from line `from` of files[index] on, as a forger without the key
// would after editing a line: prev_hash, hash, and the checkpoints' head_hash.
void rehash_from(const std::vector<std::string>& files, std::size_t index, std::size_t from) {
  std::string previous;
  for (std::size_t f = index; f < files.size(); ++f) {
    auto lines = read_lines(files[f]);
    for (std::size_t i = f == index ? from : 0; i < lines.size(); ++i) {
      auto& line = lines[i];
      std::string old_prev = line.substr(line.find("\"prev_hash\":\"") + 13, 64);
      if (previous.empty()) {
        auto before = i > 0 ? lines[i - 1] : read_lines(files[f - 1]).back();
        previous = before.substr(before.size() - 66, 64);
      }
      auto body = line.substr(0, line.size() - 75);  // without ,"hash":"<64>"}
      for (auto at = body.find(old_prev); at != std::string::npos;
           at = body.find(old_prev, at + 64))
        body.replace(at, 64, previous);  // prev_hash, and a checkpoint's head_hash
      previous = sha256_hex(body + "}");
      line = body + ",\"hash\":\"" + previous + "\"}";
    }
    write_lines(files[f], lines);
  }
}

class Anchored : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = (dir_ / "audit.jsonl").string();
  }
  log_options options() const { return {path_, 64 * 1024, key, 100, "gate-test"}; }
  // 600 events over three files, closed cleanly (its last line a "stop" checkpoint).
  void write_log(int events = 600) {
    event_log log(options());
    for (int i = 0; i < events; ++i)
      log.record(make_event("sftp.remove", {{"path", "/srv/data/" + std::to_string(i) + ".bin"},
                                            {"person", "alice"},
                                            {"server", "web01"}}));
  }
  verify_result verify(const std::string& with_key = key) {
    return verify_files(chain_files(path_), {with_key, head_file_path(path_), std::nullopt});
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(Anchored, AnIntactChainVerifiesWithItsAnchors) {
  write_log();
  auto files = chain_files(path_);
  ASSERT_EQ(files.size(), 3u);
  auto first = read_lines(files[0]).front();
  EXPECT_TRUE(has(first, "\"seq\":1,\"event\":\"audit.genesis\"")) << first;
  EXPECT_TRUE(has(first, "\"instance\":\"gate-test\"")) << first;
  EXPECT_TRUE(has(first, "\"key_id\":\"" + signing_key_id(key) + "\"")) << first;
  for (std::size_t i = 0; i + 1 < files.size(); ++i)
    EXPECT_TRUE(has(read_lines(files[i]).back(), "\"event\":\"audit.checkpoint\"")) << files[i];
  EXPECT_TRUE(has(read_lines(path_).back(), "\"reason\":\"stop\""));
  auto r = verify();
  ASSERT_TRUE(r.intact) << r.summary();
  EXPECT_GE(r.checkpoints, 7u);  // every 100 lines, two rotations, the stop
  EXPECT_TRUE(has(r.summary(), "head anchored by its genesis record")) << r.summary();
  EXPECT_TRUE(has(r.summary(), "checkpoints verified with key " + signing_key_id(key)));
}

TEST_F(Anchored, DeletingTheFirst50LinesOfARotatedFileIsACutHead) {
  write_log();
  auto files = chain_files(path_);
  auto lines = read_lines(files[0]);
  ASSERT_GT(lines.size(), 60u);
  write_lines(files[0], {lines.begin() + 50, lines.end()});
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, files[0]);
  EXPECT_EQ(r.line, 1u);
  EXPECT_EQ(r.problem,
            "cut head: the chain starts at seq 51, not at its genesis (seq 1): the lines before "
            "it are missing");
  // Without the key too: the head needs no secret.
  EXPECT_FALSE(verify("").intact);
}

TEST_F(Anchored, DeletingTheLast10LinesOfTheLiveFileIsACutTail) {
  write_log();
  auto lines = read_lines(path_);
  write_lines(path_, {lines.begin(), lines.end() - 10});
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, path_);
  EXPECT_EQ(r.line, lines.size() - 10);
  EXPECT_TRUE(has(r.problem, "cut tail: the log ends at seq")) << r.problem;
  EXPECT_TRUE(has(r.problem, "the signed head in " + head_file_path(path_))) << r.problem;
  // With the head file gone as well, the log no longer ends with the stop checkpoint.
  std::filesystem::remove(head_file_path(path_));
  r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.line, lines.size() - 10);
  EXPECT_TRUE(has(r.problem, "cut tail: the log does not end with a checkpoint")) << r.problem;
}

TEST_F(Anchored, DeletingTheLast10LinesWhileTheDaemonWritesIsACutTail) {
  event_log log(options());
  for (int i = 0; i < 40; ++i) log.record(make_event("auth.success", {{"person", "alice"}}));
  auto lines = read_lines(path_);
  write_lines(path_, {lines.begin(), lines.end() - 10});
  auto r = verify_files(chain_files(path_), log.verify_options_now());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.line, lines.size() - 10);
  EXPECT_TRUE(has(r.problem, "cut tail")) << r.problem;
}

TEST_F(Anchored, AReHashedForgeryWithoutTheKeyFailsAtTheNextCheckpoint) {
  write_log();
  auto files = chain_files(path_);
  auto lines = read_lines(files[1]);
  auto at = lines[5].find("/srv/data/");
  ASSERT_NE(at, std::string::npos);
  lines[5].replace(at, 10, "/srv/safe/");
  write_lines(files[1], lines);
  rehash_from(files, 1, 5);
  // The hash chain itself is consistent again: only the key tells.
  auto unkeyed = verify_files(chain_files(path_));
  EXPECT_TRUE(unkeyed.intact) << unkeyed.summary();
  auto r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.file, files[1]);
  EXPECT_GT(r.line, 6u);
  EXPECT_TRUE(has(r.problem, "checkpoint MAC does not verify")) << r.problem;
  EXPECT_TRUE(has(read_lines(files[1])[r.line - 1], "\"event\":\"audit.checkpoint\""));
}

TEST_F(Anchored, AReHashedTailPastTheLastCheckpointDiffersFromTheSignedHead) {
  event_log log(options());
  for (int i = 0; i < 30; ++i) log.record(make_event("auth.success", {{"person", "alice"}}));
  auto lines = read_lines(path_);
  lines[25].replace(lines[25].find("alice"), 5, "mallo");
  write_lines(path_, lines);
  rehash_from({path_}, 0, 25);
  auto r = verify_files(chain_files(path_), {key, head_file_path(path_), std::nullopt});
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.line, lines.size());
  EXPECT_TRUE(has(r.problem, "differs from the signed head")) << r.problem;
}

TEST_F(Anchored, AnotherKeyIsNamed) {
  write_log(50);
  auto r = verify(other_key);
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(has(r.problem, "signed by another key")) << r.problem;
}

TEST_F(Anchored, WithoutTheKeyCheckpointsAreCountedNotVerified) {
  write_log(50);
  auto r = verify("");
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_TRUE(has(r.summary(), "checkpoints NOT verified: no key given")) << r.summary();
}

TEST_F(Anchored, AnOlderLogWithoutGenesisVerifiesWithANote) {
  std::vector<std::string> lines;
  chain_position at;
  for (int i = 0; i < 5; ++i) {
    auto line = format_line(make_event("auth.success"), at);
    at = {at.seq + 1, line.hash};
    lines.push_back(line.text);
  }
  write_lines(path_, lines);
  auto r = verify_files({path_});
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_TRUE(has(r.summary(), "not anchored at its head: no genesis record")) << r.summary();
  EXPECT_TRUE(has(r.summary(), "not anchored by checkpoints")) << r.summary();
  {
    event_log log(options());  // continued with a key: checkpoints from now on
    log.record(make_event("auth.success"));
  }
  r = verify();
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.checkpoints, 1u);
}

TEST_F(Anchored, TheWriterDoesNotContinueALogWhoseTailWasCut) {
  write_log(50);
  auto lines = read_lines(path_);
  write_lines(path_, {lines.begin(), lines.end() - 10});
  event_log log(options());
  EXPECT_FALSE(log.writable());
  log.record(make_event("auth.success"));
  EXPECT_EQ(read_lines(path_).size(), lines.size() - 10);
}

TEST_F(Anchored, TheForwardHookSeesGenesisAndCheckpoints) {
  std::vector<std::string> names;
  {
    event_log log(options());
    log.on_written([&names](const policy::audit_event& e, const std::string&, std::uint64_t,
                            const std::string&) { names.push_back(e.name); });
    for (int i = 0; i < 150; ++i) log.record(make_event("auth.success"));
    log.seal();
  }
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "audit.genesis");
  EXPECT_EQ(std::count(names.begin(), names.end(), "audit.checkpoint"), 2);  // at 100, at stop
  EXPECT_EQ(names.back(), "audit.checkpoint");
}

TEST(SigningKey, IsLoadedOnlyWhenLongEnough) {
  auto dir = testing::scratch_dir("signing-key");
  auto file = (dir / "key").string();
  write_lines(file, {"short"});
  EXPECT_EQ(load_signing_key(file).index(), 1u);
  write_lines(file, {std::string(40, 'x')});
  EXPECT_EQ(load_signing_key(file).index(), 0u);
  EXPECT_EQ(load_signing_key(file + ".missing").index(), 1u);
}

}  // namespace
}  // namespace gatehouse::audit
