// The token store conformance suite: every backend runs the same typed tests. Add a backend
// (tests/storage/storage_backends.hpp) to TokenStoreBackends to put a new one through it.
#include "approval/token_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "approval/public_links.hpp"
#include "storage/open_storage.hpp"
#include "storage_backends.hpp"

namespace gatehouse::approval {
namespace {

using namespace std::chrono_literals;

template <typename Backend>
class TokenStore : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open(); }

  std::unique_ptr<token_store> open() {
    auto s = storage::open_storage(backend_.url());
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s->tokens) : nullptr;
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

  Backend backend_;
  manual_clock clock_{time_point(std::chrono::hours(24 * 20000))};
  std::unique_ptr<token_store> store_;
};

using TokenStoreBackends =
    ::testing::Types<storage::testing::sqlite_file_backend, storage::testing::postgresql_backend>;
TYPED_TEST_SUITE(TokenStore, TokenStoreBackends);

TYPED_TEST(TokenStore, TokensAreLongUnguessableAndStoredOnlyAsHashes) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  EXPECT_EQ(token.size(), 43u);  // 32 random bytes: 160 secret bits besides the selector
  auto stored = this->backend_.table_text("web_tokens");
  EXPECT_NE(stored.find("bob"), std::string::npos);
  EXPECT_EQ(stored.find(token), std::string::npos);
  EXPECT_EQ(stored.find(token.substr(0, 16)), std::string::npos);
  EXPECT_EQ(stored.find(token.substr(16)), std::string::npos);
}

TYPED_TEST(TokenStore, FindReturnsTheBindingOfTheLink) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  auto found = this->store_->find(token_kind::approval, token);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->person, "bob");
  EXPECT_EQ((*found)->request_id, 7);
  EXPECT_TRUE((*found)->usable(this->clock_.now()));
}

TYPED_TEST(TokenStore, ALinkIsUsedOnce) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  EXPECT_TRUE(*this->store_->use(token_kind::approval, token, this->clock_.now()));
  EXPECT_FALSE(*this->store_->use(token_kind::approval, token, this->clock_.now()));
  auto found = this->store_->find(token_kind::approval, token);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->used_at, this->clock_.now());
}

TYPED_TEST(TokenStore, AnExpiredLinkCannotBeUsed) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  this->clock_.advance(30min);
  EXPECT_FALSE(*this->store_->use(token_kind::approval, token, this->clock_.now()));
  auto found = this->store_->find(token_kind::approval, token);
  ASSERT_TRUE(found->has_value());
  EXPECT_FALSE((*found)->usable(this->clock_.now()));
}

TYPED_TEST(TokenStore, AnAlteredTokenIsUnknown) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  std::string other = token;
  other.back() = other.back() == 'A' ? 'B' : 'A';  // same selector, wrong verifier
  EXPECT_FALSE(this->store_->find(token_kind::approval, other)->has_value());
  EXPECT_FALSE(*this->store_->use(token_kind::approval, other, this->clock_.now()));
  EXPECT_TRUE(*this->store_->use(token_kind::approval, token, this->clock_.now()));
}

TYPED_TEST(TokenStore, MalformedTokensAreUnknown) {
  for (const std::string& bad :
       std::vector<std::string>{"", "short", std::string(43, '.'), std::string(44, 'A'),
                                std::string("'; DROP TABLE web_tokens; --xxxxxxxxxxxxxxxxxx")})
    EXPECT_FALSE(this->store_->find(token_kind::approval, bad)->has_value()) << bad;
}

TYPED_TEST(TokenStore, KindsDoNotMix) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  EXPECT_FALSE(this->store_->find(token_kind::session, token)->has_value());
  EXPECT_FALSE(*this->store_->use(token_kind::sign_in, token, this->clock_.now()));
}

TYPED_TEST(TokenStore, EachApproverGetsTheirOwnLink) {
  auto bobs = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  auto carols = this->issue_approval(7, "carol", this->clock_.now() + 30min);
  EXPECT_NE(bobs, carols);
  EXPECT_EQ((*this->store_->find(token_kind::approval, bobs))->person, "bob");
  EXPECT_EQ((*this->store_->find(token_kind::approval, carols))->person, "carol");
}

TYPED_TEST(TokenStore, SessionsCountAndRevoke) {
  token_record s;
  s.kind = token_kind::session;
  s.person = "alice";
  s.expires = this->clock_.now() + 12h;
  auto token = *this->store_->issue(s, this->clock_.now());
  EXPECT_EQ(*this->store_->count_usable(token_kind::session, this->clock_.now()), 1);
  ASSERT_TRUE(this->store_->revoke(token_kind::session, token).ok());
  EXPECT_FALSE(this->store_->find(token_kind::session, token)->has_value());
  EXPECT_EQ(*this->store_->count_usable(token_kind::session, this->clock_.now()), 0);
}

// Personal HTTP tokens (kind http): the person and the app (`next`) come back on every lookup,
// however often, until the token expires or is revoked; the app's name is stored, the token not.
TYPED_TEST(TokenStore, HttpTokensServeManyLookupsUntilTheyExpireOrAreRevoked) {
  token_record h;
  h.kind = token_kind::http;
  h.person = "alice";
  h.next = "grafana";
  h.expires = this->clock_.now() + 8h;
  auto token = *this->store_->issue(h, this->clock_.now());
  auto stored = this->backend_.table_text("web_tokens");
  EXPECT_NE(stored.find("grafana"), std::string::npos);
  EXPECT_NE(stored.find("http"), std::string::npos);
  EXPECT_EQ(stored.find(token.substr(16)), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    auto found = this->store_->find(token_kind::http, token);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->person, "alice");
    EXPECT_EQ((*found)->next, "grafana");
    EXPECT_EQ((*found)->kind, token_kind::http);
    EXPECT_TRUE((*found)->usable(this->clock_.now()));
  }
  EXPECT_FALSE(this->store_->find(token_kind::session, token)->has_value());
  EXPECT_EQ(*this->store_->count_usable(token_kind::http, this->clock_.now()), 1);
  EXPECT_EQ(*this->store_->count_usable(token_kind::session, this->clock_.now()), 0);

  auto other = *this->store_->issue(h, this->clock_.now());
  ASSERT_TRUE(this->store_->revoke(token_kind::http, other).ok());
  EXPECT_FALSE(this->store_->find(token_kind::http, other)->has_value());
  EXPECT_TRUE(this->store_->find(token_kind::http, token)->has_value());  // only that one

  this->clock_.advance(8h);
  auto expired = this->store_->find(token_kind::http, token);
  ASSERT_TRUE(expired->has_value());
  EXPECT_FALSE((*expired)->usable(this->clock_.now()));
  EXPECT_EQ(*this->store_->count_usable(token_kind::http, this->clock_.now()), 0);
}

TYPED_TEST(TokenStore, PublicLinksPointAtTheListener) {
  public_links links(*this->store_, "https://gate.example/", this->clock_);
  auto url = links.approval_url(7, "bob", this->clock_.now() + 30min);
  ASSERT_TRUE(url.starts_with("https://gate.example/approvals/")) << url;
  auto token = url.substr(std::string("https://gate.example/approvals/").size());
  EXPECT_EQ((*this->store_->find(token_kind::approval, token))->person, "bob");
  EXPECT_EQ(links.request_url(7), "https://gate.example/requests/7");
  // Browser access links only once the web service serves them; names are percent-encoded.
  EXPECT_EQ(links.terminal_url("web 01", "root"), "");
  links.serve_terminal(true);
  links.serve_files(true);
  EXPECT_EQ(links.terminal_url("web 01", "root"), "https://gate.example/terminal/web%2001/root");
  EXPECT_EQ(links.files_url("web01", "deploy"), "https://gate.example/sftp/web01/deploy");
}

TYPED_TEST(TokenStore, OfConcurrentUsesOnlyOneSucceeds) {
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  std::atomic<int> used{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < 4; ++i)
    pool.emplace_back([&] {
      auto r = this->store_->use(token_kind::approval, token, this->clock_.now());
      ASSERT_TRUE(r.ok()) << r.message();
      if (*r) ++used;
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(used.load(), 1);
}

TYPED_TEST(TokenStore, LinksOutliveAReopen) {
  if (!TypeParam::persistent) GTEST_SKIP() << "an in-memory store starts empty by design";
  auto token = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  this->store_.reset();
  this->store_ = this->open();
  ASSERT_NE(this->store_, nullptr);
  EXPECT_TRUE(*this->store_->use(token_kind::approval, token, this->clock_.now()));
}

TYPED_TEST(TokenStore, RowsLongExpiredGoWhenTheNextTokenIsIssued) {
  auto old = this->issue_approval(7, "bob", this->clock_.now() + 30min);
  this->clock_.advance(std::chrono::days(30));
  this->issue_approval(8, "bob", this->clock_.now() + 30min);
  EXPECT_TRUE(this->store_->find(token_kind::approval, old)->has_value());  // says it expired
  this->clock_.advance(1h);
  this->issue_approval(9, "bob", this->clock_.now() + 30min);
  EXPECT_FALSE(this->store_->find(token_kind::approval, old)->has_value());
}

}  // namespace
}  // namespace gatehouse::approval
