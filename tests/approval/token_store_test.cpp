#include "approval/token_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <vector>

#include "approval/public_links.hpp"

namespace gatehouse::approval {
namespace {

using namespace std::chrono_literals;

class TokenStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gatehouse-tokens-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto s = token_store::open((dir_ / "store.db").string());
    ASSERT_TRUE(s.ok()) << s.message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string issue_approval(std::int64_t id, const std::string& approver, time_point expires) {
    token_record r;
    r.kind = token_kind::approval;
    r.person = approver;
    r.request_id = id;
    r.expires = expires;
    auto t = store_->issue(r, clock_.now());
    EXPECT_TRUE(t.ok());
    return *t;
  }

  // Every text value the file holds, as SQLite sees it.
  std::string dump() {
    sqlite3* db = nullptr;
    sqlite3_open((dir_ / "store.db").string().c_str(), &db);
    std::string out;
    sqlite3_exec(
        db, "SELECT * FROM web_tokens",
        [](void* o, int n, char** values, char**) {
          for (int i = 0; i < n; ++i) *static_cast<std::string*>(o) += values[i] ? values[i] : "";
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  manual_clock clock_{time_point(std::chrono::hours(24 * 20000))};
  std::unique_ptr<token_store> store_;
};

TEST_F(TokenStore, TokensAreLongUnguessableAndStoredOnlyAsHashes) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  EXPECT_EQ(token.size(), 43u);  // 32 random bytes: 160 secret bits besides the selector
  auto stored = dump();
  EXPECT_NE(stored.find("bob"), std::string::npos);
  EXPECT_EQ(stored.find(token), std::string::npos);
  EXPECT_EQ(stored.find(token.substr(0, 16)), std::string::npos);
  EXPECT_EQ(stored.find(token.substr(16)), std::string::npos);
}

TEST_F(TokenStore, FindReturnsTheBindingOfTheLink) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  auto found = store_->find(token_kind::approval, token);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->person, "bob");
  EXPECT_EQ((*found)->request_id, 7);
  EXPECT_TRUE((*found)->usable(clock_.now()));
}

TEST_F(TokenStore, ALinkIsUsedOnce) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  EXPECT_TRUE(*store_->use(token_kind::approval, token, clock_.now()));
  EXPECT_FALSE(*store_->use(token_kind::approval, token, clock_.now()));
  auto found = store_->find(token_kind::approval, token);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->used_at, clock_.now());
}

TEST_F(TokenStore, AnExpiredLinkCannotBeUsed) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  clock_.advance(30min);
  EXPECT_FALSE(*store_->use(token_kind::approval, token, clock_.now()));
  auto found = store_->find(token_kind::approval, token);
  ASSERT_TRUE(found->has_value());
  EXPECT_FALSE((*found)->usable(clock_.now()));
}

TEST_F(TokenStore, AnAlteredTokenIsUnknown) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  std::string other = token;
  other.back() = other.back() == 'A' ? 'B' : 'A';  // same selector, wrong verifier
  EXPECT_FALSE(store_->find(token_kind::approval, other)->has_value());
  EXPECT_FALSE(*store_->use(token_kind::approval, other, clock_.now()));
  EXPECT_TRUE(*store_->use(token_kind::approval, token, clock_.now()));
}

TEST_F(TokenStore, MalformedTokensAreUnknown) {
  for (const std::string& bad :
       std::vector<std::string>{"", "short", std::string(43, '.'), std::string(44, 'A'),
                                std::string("'; DROP TABLE web_tokens; --xxxxxxxxxxxxxxxxxx")})
    EXPECT_FALSE(store_->find(token_kind::approval, bad)->has_value()) << bad;
}

TEST_F(TokenStore, KindsDoNotMix) {
  auto token = issue_approval(7, "bob", clock_.now() + 30min);
  EXPECT_FALSE(store_->find(token_kind::session, token)->has_value());
  EXPECT_FALSE(*store_->use(token_kind::sign_in, token, clock_.now()));
}

TEST_F(TokenStore, EachApproverGetsTheirOwnLink) {
  auto bobs = issue_approval(7, "bob", clock_.now() + 30min);
  auto carols = issue_approval(7, "carol", clock_.now() + 30min);
  EXPECT_NE(bobs, carols);
  EXPECT_EQ((*store_->find(token_kind::approval, bobs))->person, "bob");
  EXPECT_EQ((*store_->find(token_kind::approval, carols))->person, "carol");
}

TEST_F(TokenStore, SessionsCountAndRevoke) {
  token_record s;
  s.kind = token_kind::session;
  s.person = "alice";
  s.expires = clock_.now() + 12h;
  auto token = *store_->issue(s, clock_.now());
  EXPECT_EQ(*store_->count_usable(token_kind::session, clock_.now()), 1);
  ASSERT_TRUE(store_->revoke(token_kind::session, token).ok());
  EXPECT_FALSE(store_->find(token_kind::session, token)->has_value());
  EXPECT_EQ(*store_->count_usable(token_kind::session, clock_.now()), 0);
}

TEST_F(TokenStore, PublicLinksPointAtTheListener) {
  public_links links(*store_, "https://gate.example/", clock_);
  auto url = links.approval_url(7, "bob", clock_.now() + 30min);
  ASSERT_TRUE(url.starts_with("https://gate.example/approvals/")) << url;
  auto token = url.substr(std::string("https://gate.example/approvals/").size());
  EXPECT_EQ((*store_->find(token_kind::approval, token))->person, "bob");
  EXPECT_EQ(links.request_url(7), "https://gate.example/requests/7");
}

}  // namespace
}  // namespace gatehouse::approval
