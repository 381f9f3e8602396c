// Garbage in, a clear problem out: never a crash, a hang or an exception.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "config/diagnostics.hpp"
#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(ConfigRobustness, BinaryAndInvalidUtf8) {
  EXPECT_EQ(problems(std::string("store: x\nname: a\0b\n", 19)),
            (lines{"test.yaml:2:8: not valid UTF-8 text"}));
  EXPECT_EQ(problems("instance_name: caf\xc3\n"), (lines{"test.yaml:1:19: not valid UTF-8 text"}));
  EXPECT_EQ(problems("# overlong\n\xc0\xaf: 1\n"), (lines{"test.yaml:2:1: not valid UTF-8 text"}));
  EXPECT_EQ(problems("\x7f"
                     "ELF\x02\x01\x01"),
            (lines{"test.yaml:1:1: not valid UTF-8 text"}));
  // Multi-byte characters count as one column.
  EXPECT_EQ(problems("# \xc3\xa9\xc3\xa9\xff\n"), (lines{"test.yaml:1:5: not valid UTF-8 text"}));
}

TEST(ConfigRobustness, HugeFileIsRejectedUpFront) {
  temp_dir dir;
  auto path = dir.write("big.yaml", std::string(50u << 20, '#'));
  auto result = load_file(path);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].to_string(), path + ": file is too large (more than 4194304 bytes)");
  EXPECT_EQ(problems(std::string((4u << 20) + 1, '#')),
            (lines{"test.yaml: file is too large (4194305 bytes; the limit is 4194304)"}));
}

TEST(ConfigRobustness, AnEscapeCutOffByTheEndIsPlacedInsideTheText) {
  // Found by fuzz_config_yaml: yaml-cpp placed it one column past the end (1:16 of 14 bytes).
  auto result = problems(": [\"\"s\\: .[\"s\\");
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].rfind("test.yaml:1:15: invalid YAML: unknown escape character", 0), 0u)
      << result[0];
}

TEST(ConfigRobustness, DeepNesting) {
  EXPECT_EQ(problems(std::string(100000, '[')),
            (lines{"test.yaml:1:1: invalid YAML: nesting is too deep"}));
  auto result = problems(std::string(100000, '{'));
  ASSERT_EQ(result.size(), 1u);
  EXPECT_NE(result[0].find("invalid YAML: nesting is too deep"), std::string::npos);
}

TEST(ConfigRobustness, EmptyOrNotAMap) {
  EXPECT_EQ(problems(""), (lines{"test.yaml: the configuration is empty"}));
  EXPECT_EQ(problems("# only a comment\n\n"), (lines{"test.yaml: the configuration is empty"}));
  EXPECT_EQ(problems("- a\n- b\n"),
            (lines{"test.yaml:1:1: the top level must be a map of settings, not a list"}));
  EXPECT_EQ(problems("just words\n"),
            (lines{"test.yaml:1:1: the top level must be a map of settings, not 'just words'"}));
}

TEST(ConfigRobustness, SyntaxErrorsAndSecondDocuments) {
  EXPECT_EQ(problems("users: [alice\n"),
            (lines{"test.yaml:2:1: invalid YAML: end of sequence flow not found"}));
  EXPECT_EQ(problems("store: \"sqlite:/x\"\n---\nstore: sqlite:/y\n"),
            (lines{"test.yaml:2:1: only one YAML document is allowed; remove the second '---'"}));
  // yaml-cpp 0.7's LoadAll would loop forever on these.
  EXPECT_EQ(problems(","), (lines{"test.yaml:1:1: invalid YAML: unexpected ','"}));
  EXPECT_EQ(problems("# note\n  ,'x\n"), (lines{"test.yaml:2:3: invalid YAML: unexpected ','"}));
  EXPECT_EQ(problems("rules: *nothing\n"),
            (lines{"test.yaml:1:8: invalid YAML: the referenced anchor is not defined"}));
}

TEST(ConfigRobustness, KeysThatAreNotWords) {
  EXPECT_EQ(problems("? [a, b]\n: 1\n"),
            (lines{"test.yaml:1:3: keys must be plain words, not a list"}));
}

TEST(ConfigRobustness, UnreadableConfigFile) {
  auto result = load_file("/nonexistent/gatehouse.yaml");
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_FALSE(result.value);
  EXPECT_EQ(result.problems[0].to_string(),
            "/nonexistent/gatehouse.yaml: cannot read: No such file or directory");
  temp_dir dir;
  EXPECT_EQ(load_file(dir.path()).problems.at(0).to_string(),
            dir.path() + ": cannot read: Is a directory");
}

TEST(ConfigRobustness, AliasExpansionIsBounded) {
  // 2000 users, each with the same 1000 keys: two million keys from a 20 kB file.
  std::string text = "k: &k [";
  for (int i = 0; i < 1000; ++i) text += (i ? ", *s" : "&s \"" + alice_key + "\"");
  text += "]\nu: &u { name: a, ssh_keys: *k }\nusers: [";
  for (int i = 0; i < 2000; ++i) text += i ? ", *u" : "*u";
  text += "]\n";
  auto start = std::chrono::steady_clock::now();
  auto result = load_string(text, "test.yaml", "/");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_FALSE(result.value);
  ASSERT_FALSE(result.problems.empty());
  EXPECT_LE(result.problems.size(), reporter::max_problems + 1);
  EXPECT_TRUE(std::any_of(result.problems.begin(), result.problems.end(),
                          [](const auto& d) { return d.message.starts_with("too many values"); }));
}

// Never a crash: either a config or at least one problem.
void expect_survives(const std::string& text) {
  auto result = load_string(text, "fuzz.yaml", "/nonexistent");
  EXPECT_TRUE(result.value || !result.problems.empty());
  EXPECT_FALSE(result.value && !result.problems.empty());
}

TEST(ConfigRobustness, RandomBytes) {
  std::mt19937 random(20240611);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 :-[]{},\"'#&*!|>?@%\n\t";
  for (int i = 0; i < 3000; ++i) {
    std::string text(random() % 300, '\0');
    bool yamlish = i % 2 == 0;
    for (auto& c : text) {
      c = yamlish ? alphabet[random() % alphabet.size()] : static_cast<char>(random() % 256);
    }
    expect_survives(text);
  }
}

TEST(ConfigRobustness, MutationsOfAValidConfig) {
  const std::string valid = R"(instance_name: corp-gate
store: sqlite:/var/lib/gatehouse/gatehouse.db
listen:
  rdp: { address: "0.0.0.0:3389" }
  admin: { socket: /run/gatehouse/admin.sock }
users:
  - name: alice
    ssh_keys: [")" + alice_key +
                            R"("]
    groups: [developers]
  - { name: bob, email: bob@example.com }
groups:
  - { name: developers, managers: [bob] }
servers:
  - { name: win01, protocol: rdp, address: "10.0.0.7:3389", groups: [production] }
  - name: web01
    address: "10.0.0.5:22"
    host_key: ")" + host_fingerprint +
                            R"("
server_groups:
  - { name: production, require_manager_approval: true }
rules:
  - name: prod
    users: ["group:developers"]
    servers: ["group:production"]
    mode: approve
    approvers: [manager]
    default_duration: 1h
  - { name: rest, users: ["*"], servers: ["*"], mode: deny }
)";
  ASSERT_TRUE(load_string(valid, "fuzz.yaml", "/").value);
  std::mt19937 random(7);
  const std::string inserts[] = {"[",  "]", "{", "}",  ":", "- ", "\n", "  ",   "*",  "&a ", "*a",
                                 "\"", "'", "#", "!!", "|", ">",  "\t", "\xff", "\0", "?"};
  for (int i = 0; i < 3000; ++i) {
    std::string text = valid;
    for (int edits = 1 + random() % 4; edits > 0; --edits) {
      auto at = random() % (text.size() + 1);
      switch (random() % 4) {
        case 0: text.erase(at, random() % 8); break;
        case 1: text.insert(at, inserts[random() % std::size(inserts)]); break;
        case 2:
          if (at < text.size()) text[at] = static_cast<char>(random() % 256);
          break;
        case 3: {
          auto from = random() % text.size();
          text.insert(at, text.substr(from, random() % 40));
          break;
        }
      }
    }
    expect_survives(text);
  }
}

}  // namespace
}  // namespace gatehouse::config::testing
