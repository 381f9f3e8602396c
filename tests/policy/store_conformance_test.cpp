// The store conformance suite (ARCHITECTURE practice 4): every backend runs the same typed
// tests. Add a backend (tests/storage/storage_backends.hpp) to StoreBackends to put a new one
// (PostgreSQL) through it.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "policy/store.hpp"
#include "policy_test_support.hpp"
#include "storage_backends.hpp"

namespace gatehouse::policy::testing {
namespace {

using storage::testing::sqlite_file_backend;
using storage::testing::sqlite_memory_backend;

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open(); }

  std::unique_ptr<store> open() {
    auto s = open_store(backend_.url());
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static request sample(const std::string& requester = "alice",
                        request_state state = request_state::pending) {
    request r;
    r.requester = requester;
    r.server = "web01";
    r.account = "root";
    r.protocol = config::protocol::rdp;
    r.justification = "fix \"prod\"\nnow ✓ caf\xe9";  // a Latin-1 byte: kept as it was
    r.title = "disk \"full\" \xff\x01 on web01";
    r.window = {t0(), t0() + 2h};
    r.levels = {{{"bob", "carol"}, config::condition::all}, {{"erin"}, config::condition::any}};
    r.decisions = {{"bob", verdict::approve, "fine", t0() + 1min, 0, false}};
    r.comments = {{"alice", "thanks", t0() + 2min}};
    r.emergency = true;
    r.post_approval = post_approval::pending;
    r.state = state;
    r.rule = "prod";
    r.max_duration = 8h;
    r.pending_until = t0() + 30min;
    r.auto_approve_requester = true;
    r.filed_by = "admin";
    r.created = t0();
    r.updated = t0() + 2min;
    return r;
  }

  static grant sample_grant(request_id req, time_point start, time_point end) {
    grant g;
    g.request = req;
    g.person = "alice";
    g.server = "web01";
    g.account = "root";
    g.start = start;
    g.end = end;
    return g;
  }

  Backend backend_;
  std::unique_ptr<store> store_;
};

using StoreBackends = ::testing::Types<sqlite_file_backend, sqlite_memory_backend,
                                       storage::testing::postgresql_backend>;
TYPED_TEST_SUITE(StoreConformance, StoreBackends);

void expect_same(const request& a, const request& b) {
  EXPECT_EQ(a.requester, b.requester);
  EXPECT_EQ(a.server, b.server);
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.protocol, b.protocol);
  EXPECT_EQ(a.justification, b.justification);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.levels, b.levels);
  EXPECT_EQ(a.decisions, b.decisions);
  EXPECT_EQ(a.comments, b.comments);
  EXPECT_EQ(a.emergency, b.emergency);
  EXPECT_EQ(a.post_approval, b.post_approval);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.grant, b.grant);
  EXPECT_EQ(a.rule, b.rule);
  EXPECT_EQ(a.max_duration, b.max_duration);
  EXPECT_EQ(a.pending_until, b.pending_until);
  EXPECT_EQ(a.auto_approve_requester, b.auto_approve_requester);
  EXPECT_EQ(a.filed_by, b.filed_by);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.updated, b.updated);
}

TYPED_TEST(StoreConformance, MigratesAnEmptyStoreToTheLatestSchema) {
  auto v = this->store_->schema_version();
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_GE(*v, 1);
  EXPECT_EQ(*this->store_->last_change_seq(), 0);
  EXPECT_TRUE(this->store_->list_requests({})->empty());
  EXPECT_EQ(*this->store_->next_deadline(), std::nullopt);
}

TYPED_TEST(StoreConformance, CreateAndGetRequestRoundTripsEveryField) {
  request in = this->sample();
  auto created = this->store_->create_request(in);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->version, 1);
  auto got = this->store_->get_request(created->id);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(got->id, created->id);
  EXPECT_EQ(got->version, 1);
  expect_same(*got, in);
  auto second = this->store_->create_request(in);
  EXPECT_GT(second->id, created->id);
  EXPECT_EQ(this->store_->get_request(999).code(), error_code::not_found);
  EXPECT_EQ(this->store_->get_request(999).message(), "request #999 not found");
}

TYPED_TEST(StoreConformance, ListRequestsFiltersNewestFirst) {
  auto& s = *this->store_;
  auto a = s.create_request(this->sample("alice"));
  auto b = s.create_request(this->sample("bob", request_state::denied));
  auto c = s.create_request(this->sample("alice", request_state::approved));
  auto all = s.list_requests({});
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, c->id);
  EXPECT_EQ((*all)[2].id, a->id);
  auto alices = s.list_requests({.requester = "alice"});
  ASSERT_EQ(alices->size(), 2u);
  auto pending = s.list_requests({.state = request_state::pending});
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, a->id);
  EXPECT_EQ(s.list_requests({.state = request_state::denied})->front().id, b->id);
  EXPECT_TRUE(s.list_requests({.server = "db01"})->empty());
  EXPECT_EQ(s.list_requests({.requester = "alice", .server = "web01", .account = "root"})->size(),
            2u);
  EXPECT_EQ(s.list_requests({.limit = 1})->size(), 1u);
}

TYPED_TEST(StoreConformance, UpdateChecksTheVersion) {
  auto& s = *this->store_;
  auto r = s.create_request(this->sample());
  request mine = *r, theirs = *r;
  mine.justification = "mine";
  mine.title = "my title";
  auto updated = s.update_request(mine);
  ASSERT_TRUE(updated.ok()) << updated.message();
  EXPECT_EQ(updated->version, 2);
  theirs.justification = "theirs";
  auto stale = s.update_request(theirs);
  EXPECT_EQ(stale.code(), error_code::conflict);
  EXPECT_EQ(s.get_request(r->id)->justification, "mine");
  EXPECT_EQ(s.get_request(r->id)->title, "my title");
  request ghost = mine;
  ghost.id = 4242;
  EXPECT_EQ(s.update_request(ghost).code(), error_code::not_found);
  ghost.id = 0;  // never stored: not an insert in disguise
  EXPECT_EQ(s.update_request(ghost).code(), error_code::not_found);
  EXPECT_EQ(s.list_requests({})->size(), 1u);
}

TYPED_TEST(StoreConformance, GrantsCrudAndLiveLookup) {
  auto& s = *this->store_;
  auto r = s.create_request(this->sample());
  auto g = s.create_grant(this->sample_grant(r->id, t0(), t0() + 1h));
  ASSERT_TRUE(g.ok()) << g.message();
  EXPECT_EQ(g->version, 1);
  auto got = s.get_grant(g->id);
  EXPECT_EQ(got->person, "alice");
  EXPECT_EQ(got->start, t0());
  EXPECT_EQ(got->end, t0() + 1h);
  EXPECT_EQ(got->state, grant_state::active);
  EXPECT_FALSE(got->closed_at.has_value());

  EXPECT_FALSE(s.find_live_grant("alice", "web01", "root", t0() - 1ms)->has_value());
  EXPECT_EQ((*s.find_live_grant("alice", "web01", "root", t0()))->id, g->id);
  EXPECT_FALSE(s.find_live_grant("alice", "web01", "root", t0() + 1h)->has_value());
  EXPECT_FALSE(s.find_live_grant("alice", "web01", "deploy", t0())->has_value());
  EXPECT_FALSE(s.find_live_grant("bob", "web01", "root", t0())->has_value());

  grant revoked = *got;
  revoked.state = grant_state::revoked;
  revoked.revoked_by = "carol";
  revoked.closed_at = t0() + 5min;
  auto updated = s.update_grant(revoked);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(s.get_grant(g->id)->revoked_by, "carol");
  EXPECT_EQ(s.get_grant(g->id)->closed_at, std::optional(t0() + 5min));
  EXPECT_FALSE(s.find_live_grant("alice", "web01", "root", t0() + 10min)->has_value());
  EXPECT_EQ(s.update_grant(revoked).code(), error_code::conflict);
  EXPECT_EQ(s.get_grant(77).code(), error_code::not_found);
  grant orphan = *got;
  orphan.request = 999;  // grants belong to a stored request
  EXPECT_FALSE(s.create_grant(orphan).ok());

  EXPECT_EQ(s.list_grants({})->size(), 1u);
  EXPECT_EQ(s.list_grants({.state = grant_state::active})->size(), 0u);
  EXPECT_EQ(s.list_grants({.person = "alice"})->size(), 1u);
  EXPECT_EQ(s.list_grants({.request = r->id})->size(), 1u);
}

TYPED_TEST(StoreConformance, ApplyWritesRequestGrantAndChangesTogether) {
  auto& s = *this->store_;
  request draft = this->sample();
  draft.state = request_state::approved;
  write_batch batch{draft,
                    this->sample_grant(0, t0(), t0() + 1h),
                    std::nullopt,
                    {change_kind::request_filed, change_kind::request_decided}};
  auto done = s.apply(batch);
  ASSERT_TRUE(done.ok()) << done.message();
  ASSERT_TRUE(done->stored_grant.has_value());
  EXPECT_EQ(done->stored_grant->request, done->req.id);
  EXPECT_EQ(done->req.grant, std::optional(done->stored_grant->id));
  EXPECT_EQ(s.get_request(done->req.id)->grant, std::optional(done->stored_grant->id));
  EXPECT_EQ(s.get_request(done->req.id)->version, done->req.version);
  ASSERT_EQ(done->changes.size(), 2u);
  EXPECT_EQ(done->changes[0].request, done->req.id);
  EXPECT_EQ(done->changes[1].grant, std::optional(done->stored_grant->id));
  EXPECT_EQ(done->changes[1].at, draft.updated);
}

TYPED_TEST(StoreConformance, ApplyIsAllOrNothing) {
  auto& s = *this->store_;
  auto r = s.create_request(this->sample());
  auto g = s.create_grant(this->sample_grant(r->id, t0(), t0() + 1h));
  grant stale = *g;
  stale.version = 7;  // someone else's version
  stale.state = grant_state::revoked;
  request next = *r;
  next.state = request_state::denied;
  auto before_seq = *s.last_change_seq();
  auto done = s.apply(write_batch{next, std::nullopt, stale, {change_kind::grant_revoked}});
  EXPECT_EQ(done.code(), error_code::conflict);
  EXPECT_EQ(s.get_request(r->id)->state, request_state::pending);
  EXPECT_EQ(s.get_request(r->id)->version, 1);
  EXPECT_EQ(s.get_grant(g->id)->state, grant_state::active);
  EXPECT_EQ(*s.last_change_seq(), before_seq);

  request stale_request = *r;
  stale_request.version = 5;
  EXPECT_EQ(s.apply(write_batch{stale_request,
                                this->sample_grant(0, t0(), t0() + 1h),
                                std::nullopt,
                                {change_kind::request_decided}})
                .code(),
            error_code::conflict);
  EXPECT_EQ(s.list_grants({})->size(), 1u);  // the grant insert was rolled back too
}

TYPED_TEST(StoreConformance, ApplyRunsItsCheckLastAndRollsBackOnItsError) {
  auto& s = *this->store_;
  request draft = this->sample();
  draft.state = request_state::approved;
  write_batch batch{draft,
                    this->sample_grant(0, t0(), t0() + 1h),
                    std::nullopt,
                    {change_kind::request_filed, change_kind::request_decided}};
  std::optional<committed> seen;
  auto refuse = [&](const committed& staged) -> result<void> {
    seen = staged;
    return make_error(error_code::refused, "audit log unavailable");
  };
  auto done = s.apply(batch, refuse);
  EXPECT_EQ(done.message(), "audit log unavailable");
  ASSERT_TRUE(seen.has_value());  // the check saw everything written, ids included
  EXPECT_GT(seen->req.id, 0);
  ASSERT_TRUE(seen->stored_grant.has_value());
  EXPECT_EQ(seen->req.grant, std::optional(seen->stored_grant->id));
  EXPECT_EQ(seen->changes.size(), 2u);
  EXPECT_TRUE(s.list_requests({})->empty());  // ... and none of it stayed
  EXPECT_TRUE(s.list_grants({})->empty());
  EXPECT_EQ(*s.last_change_seq(), 0);

  auto ok = s.apply(batch, [](const committed&) -> result<void> { return {}; });
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(s.list_requests({})->size(), 1u);
}

TYPED_TEST(StoreConformance, ChangeFeedIsAnOrderedSequence) {
  auto& s = *this->store_;
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < 5; ++i) {
    auto done = s.apply(write_batch{this->sample(),
                                    std::nullopt,
                                    std::nullopt,
                                    {change_kind::request_filed, change_kind::request_updated}});
    ASSERT_TRUE(done.ok());
    for (const auto& c : done->changes) seqs.push_back(c.seq);
  }
  ASSERT_EQ(seqs.size(), 10u);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::adjacent_find(seqs.begin(), seqs.end()), seqs.end());
  EXPECT_EQ(*s.last_change_seq(), seqs.back());

  auto all = s.changes_since(0, 0);
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ((*all)[0].kind, change_kind::request_filed);
  EXPECT_EQ((*all)[1].kind, change_kind::request_updated);
  auto tail = s.changes_since(seqs[6], 0);
  ASSERT_EQ(tail->size(), 3u);
  EXPECT_EQ(tail->front().seq, seqs[7]);
  auto page = s.changes_since(seqs[1], 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->back().seq, seqs[3]);
  EXPECT_TRUE(s.changes_since(seqs.back(), 0)->empty());
}

TYPED_TEST(StoreConformance, DueItemsAndNextDeadline) {
  auto& s = *this->store_;
  request early = this->sample("alice"), late = this->sample("dave"),
          done_one = this->sample("erin", request_state::denied);
  early.pending_until = t0() + 10min;
  late.pending_until = t0() + 50min;
  done_one.pending_until = t0();
  auto e = s.create_request(early);
  auto l = s.create_request(late);
  ASSERT_TRUE(s.create_request(done_one).ok());
  auto g1 = s.create_grant(this->sample_grant(e->id, t0(), t0() + 20min));
  auto g2 = s.create_grant(this->sample_grant(l->id, t0(), t0() + 40min));
  grant ended = this->sample_grant(l->id, t0(), t0() + 1min);
  ended.state = grant_state::ended;
  ASSERT_TRUE(s.create_grant(ended).ok());

  EXPECT_EQ(*s.next_deadline(), std::optional(t0() + 10min));
  auto none = s.due(t0() + 9min);
  EXPECT_TRUE(none->expired_requests.empty());
  EXPECT_TRUE(none->ended_grants.empty());
  auto some = s.due(t0() + 45min);
  ASSERT_EQ(some->expired_requests.size(), 1u);
  EXPECT_EQ(some->expired_requests[0].id, e->id);
  ASSERT_EQ(some->ended_grants.size(), 2u);
  EXPECT_EQ(some->ended_grants[0].id, g1->id);
  EXPECT_EQ(some->ended_grants[1].id, g2->id);

  request expired = *e;
  expired.state = request_state::expired;
  ASSERT_TRUE(s.update_request(expired).ok());
  EXPECT_EQ(*s.next_deadline(), std::optional(t0() + 20min));
}

// The notices a change owes are stored with it, owed once the committer's grace has passed,
// claimed by one caller at a time, and gone once settled; a rolled-back change owes none.
TYPED_TEST(StoreConformance, NoticesAreStoredWithTheirChangeAndClaimedOnceOwed) {
  auto& s = *this->store_;
  request r = this->sample("alice", request_state::denied);  // no deadline of its own
  write_batch batch{r, std::nullopt, std::nullopt, {change_kind::request_filed}};
  batch.notices = {"first", "second"};
  auto refused = s.apply(batch, [](const committed&) -> result<void> {
    return make_error(error_code::refused, "audit log unavailable");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(*s.next_deadline(), std::nullopt);

  auto done = s.apply(batch);
  ASSERT_TRUE(done.ok()) << done.message();
  ASSERT_EQ(done->notice_ids.size(), 2u);
  const time_point owed = r.updated + notice_grace;
  EXPECT_EQ(*s.next_deadline(), std::optional(owed));
  EXPECT_TRUE(s.claim_owed_notices(owed - 1s, 60s, 10)->empty());

  auto claimed = s.claim_owed_notices(owed, 60s, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.message();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].id, done->notice_ids[0]);
  EXPECT_EQ((*claimed)[0].request, done->req.id);
  EXPECT_EQ((*claimed)[0].text, "first");
  EXPECT_EQ((*claimed)[1].text, "second");
  EXPECT_TRUE(s.claim_owed_notices(owed + 59s, 60s, 10)->empty());  // claimed meanwhile
  EXPECT_EQ(*s.next_deadline(), std::optional(owed + 60s));

  ASSERT_TRUE(s.settle_notices({done->notice_ids[0]}).ok());
  auto again = s.claim_owed_notices(owed + 60s, 60s, 1);  // the claim lapsed; one at most
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].text, "second");
  ASSERT_TRUE(s.settle_notices(done->notice_ids).ok());  // one already gone: ignored
  EXPECT_EQ(*s.next_deadline(), std::nullopt);
  EXPECT_TRUE(s.claim_owed_notices(owed + 24h, 60s, 10)->empty());
}

TYPED_TEST(StoreConformance, ReopenKeepsEverything) {
  if (!TypeParam::persistent) GTEST_SKIP() << "an in-memory store starts empty by design";
  auto r = this->store_->apply(write_batch{this->sample(),
                                           this->sample_grant(0, t0(), t0() + 1h),
                                           std::nullopt,
                                           {change_kind::request_filed}});
  ASSERT_TRUE(r.ok());
  this->store_.reset();
  auto again = this->open();
  ASSERT_NE(again, nullptr);
  auto got = again->get_request(r->req.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, r->req.version);
  expect_same(*got, r->req);
  EXPECT_EQ(again->get_grant(*got->grant)->end, t0() + 1h);
  EXPECT_EQ(*again->last_change_seq(), r->changes.back().seq);
  // New rows continue the sequences.
  EXPECT_GT(again->create_request(this->sample())->id, r->req.id);
}

TYPED_TEST(StoreConformance, TwoHandlesOnOneStoreSeeEachOtherAndConflict) {
  if (!TypeParam::persistent) GTEST_SKIP() << "two in-memory stores are two databases";
  auto other = this->open();  // as a second daemon would
  auto r = this->store_->create_request(this->sample());
  auto seen = other->get_request(r->id);
  ASSERT_TRUE(seen.ok()) << seen.message();
  request mine = *r;
  mine.comments.push_back({"bob", "first", t0()});
  ASSERT_TRUE(this->store_->update_request(mine).ok());
  request theirs = *seen;
  theirs.comments.push_back({"carol", "second", t0()});
  EXPECT_EQ(other->update_request(theirs).code(), error_code::conflict);
  EXPECT_EQ(other->get_request(r->id)->comments.back().author, "bob");
}

TYPED_TEST(StoreConformance, ConcurrentWritersEachWinOrConflict) {
  auto& s = *this->store_;
  auto r = s.create_request(this->sample());
  constexpr int threads = 4, per_thread = 25;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        for (;;) {  // read, change, write; retry on conflict
          auto cur = s.get_request(r->id);
          ASSERT_TRUE(cur.ok());
          cur->comments.push_back({"t" + std::to_string(t), std::to_string(i), t0()});
          auto w = s.update_request(*cur);
          if (w.ok()) break;
          ASSERT_EQ(w.code(), error_code::conflict);
          ++conflicts;
        }
      }
    });
  for (auto& th : pool) th.join();
  auto final = s.get_request(r->id);
  EXPECT_EQ(final->comments.size(), std::size_t(1 + threads * per_thread));
  EXPECT_EQ(final->version, 1 + threads * per_thread);
}

}  // namespace
}  // namespace gatehouse::policy::testing
