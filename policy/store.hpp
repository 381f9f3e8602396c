#pragma once
// The durable home of requests, grants and the change feed (ARCHITECTURE practices 3 and 4).
//
// One interface, several backends in storage/: SQLite (storage/sqlite/store.cpp, one daemon)
// and PostgreSQL shared by several daemons (storage/postgresql/store.cpp); storage::
// open_storage() picks one by the store URL. Everything a backend must honour is checked by the
// conformance suite in tests/policy/store_conformance_test.cpp:
//   * every write is durable when the call returns;
//   * records carry a version; an update names the version it read and fails with
//     error_code::conflict if the record changed since (`UPDATE ... WHERE id=? AND version=?`);
//     the caller re-reads and retries;
//   * apply() writes a request, the grant created or changed with it (and, for a request of
//     several targets, the further targets' grants), and the change-feed rows in ONE
//     transaction: either all of it is visible or none. Its `before_commit` check runs inside
//     that transaction once everything is written (ids and versions known) and before
//     anything is visible to other readers; an error from it rolls the transaction back
//     (access_service records the audit events there: audited before it takes effect);
//   * the change feed is a strictly increasing sequence (seq) of what changed, readable with
//     changes_since(seq); a row with a smaller seq never becomes visible after a larger one;
//     PostgreSQL adds LISTEN/NOTIFY on top (wait_for_change) so that other daemons wake at once;
//   * the notices a change owes (who must be told: policy/notice_codec.hpp) are stored by the
//     same apply() as the change, so a daemon killed between its commit and its mail leaves
//     them to be claimed (claim_owed_notices) once due, by itself after a restart or by any
//     daemon sharing the store; settle_notices() deletes the ones delivered.
// No call throws: failures come back as result errors (internal for storage failures).
//
// Thread-safety: implementations are safe to call from several threads (the SQLite one
// serialises calls on one connection; the PostgreSQL one lends each call a connection of its
// pool). Calls block until the database answers: never call them on the io thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "policy/grant.hpp"
#include "policy/request.hpp"
#include "policy/result.hpp"

namespace gatehouse::policy {

enum class change_kind {
  request_filed,    // a new request (any state)
  request_updated,  // a review, comment or reassignment; state unchanged
  request_decided,  // approved, denied, expired, cancelled, or post-approval decided
  grant_ended,
  grant_revoked,
};
std::string_view to_string(change_kind k);  // "request_filed", ...
std::optional<change_kind> parse_change_kind(std::string_view text);

struct change {
  std::int64_t seq = 0;
  change_kind kind = change_kind::request_updated;
  request_id request = 0;
  std::optional<grant_id> grant;
  time_point at;
};

struct request_filter {
  std::optional<request_state> state{};
  std::optional<std::string> requester{};
  std::optional<std::string> server{};
  std::optional<std::string> account{};
  std::size_t limit = 0;  // 0: all; newest first
};

struct grant_filter {
  std::optional<grant_state> state{};
  std::optional<std::string> person{};
  std::optional<request_id> request{};
  std::size_t limit = 0;  // 0: all; newest first
};

// What is due at `now`: pending requests past their pending_until, active grants past their
// end; oldest deadline first.
struct due_items {
  std::vector<request> expired_requests;
  std::vector<grant> ended_grants;
};

// One atomic write (a transition's outcome).
struct write_batch {
  request req;                           // id 0: inserted; else updated if req.version matches
  std::optional<grant> new_grant;        // inserted for req; req.grant is set to its id
  std::optional<grant> changed_grant;    // updated if its version matches
  std::vector<change_kind> changes;      // feed rows about req and the grant, stamped req.updated
  std::vector<std::string> notices{};    // owed notifications (notice_codec text), stored with it,
                                         // owed from req.updated + notice_grace
  std::vector<grant> more_new_grants{};  // one per req.more_targets, in order, inserted with it;
                                         // each target's grant is set to its id
};

// How long the daemon that committed a change has to deliver its notices and settle them
// before any daemon may claim them as owed.
inline constexpr std::chrono::seconds notice_grace{20};

// A notification stored with its change and not yet settled.
struct owed_notice {
  std::int64_t id = 0;
  request_id request = 0;
  std::string text;  // notice_codec text
};

struct committed {
  request req;                                // as stored, new version
  std::optional<policy::grant> stored_grant;  // the grant created or changed, as stored
  std::vector<change> changes;
  std::vector<std::int64_t> notice_ids{};    // the batch's notices, in order
  std::vector<policy::grant> more_grants{};  // the further targets' grants created, as stored
};

// Runs inside apply()'s transaction before it commits; an error cancels the whole batch. It
// must not call the store.
using before_commit = std::function<result<void>(const committed& staged)>;

class store {
 public:
  virtual ~store() = default;

  virtual const std::string& url() const = 0;
  // The schema version the store is at (the number of migrations applied).
  virtual result<int> schema_version() = 0;

  // Requests. create assigns id, version 1; update needs r.version to be the stored one.
  virtual result<request> create_request(const request& r) = 0;
  virtual result<request> get_request(request_id id) = 0;
  virtual result<std::vector<request>> list_requests(const request_filter& f) = 0;
  virtual result<request> update_request(const request& r) = 0;

  // Grants, likewise.
  virtual result<grant> create_grant(const grant& g) = 0;
  virtual result<grant> get_grant(grant_id id) = 0;
  virtual result<std::vector<grant>> list_grants(const grant_filter& f) = 0;
  virtual result<std::optional<grant>> find_live_grant(std::string_view person,
                                                       std::string_view server,
                                                       std::string_view account,
                                                       time_point now) = 0;
  virtual result<grant> update_grant(const grant& g) = 0;

  // Deadlines.
  virtual result<due_items> due(time_point now) = 0;
  // The earliest pending_until of a pending request, end of an active grant, or time a
  // stored notice becomes owed.
  virtual result<std::optional<time_point>> next_deadline() = 0;

  // Notices owed at `now` (oldest first, at most `limit`), each claimed until now + `lease`
  // atomically with choosing it, so that no other caller takes it meanwhile.
  virtual result<std::vector<owed_notice>> claim_owed_notices(time_point now,
                                                              std::chrono::milliseconds lease,
                                                              std::size_t limit) = 0;
  // Delivered: deletes them (ids already gone are ignored).
  virtual result<void> settle_notices(const std::vector<std::int64_t>& ids) = 0;

  // Change feed: rows with seq > `after`, in seq order, at most `limit` (0: all).
  virtual result<std::vector<change>> changes_since(std::int64_t after, std::size_t limit) = 0;
  virtual result<std::int64_t> last_change_seq() = 0;

  // Word from other writers of the store. notifies_changes(): whether wait_for_change() can
  // tell (PostgreSQL: LISTEN gatehouse_changes, which apply() NOTIFYs in its transaction).
  // wait_for_change() blocks up to `timeout` and answers true when another writer may have
  // committed a change (read the feed), false when the time passed quietly, an error while
  // the database cannot be reached. Backends that cannot tell (SQLite: one daemon per file)
  // answer false at once; their readers poll.
  virtual bool notifies_changes() const { return false; }
  virtual result<bool> wait_for_change(std::chrono::milliseconds /*timeout*/) { return false; }

  // The whole batch in one transaction; `check` (if set) runs last, before the commit.
  virtual result<committed> apply(const write_batch& batch, const before_commit& check) = 0;
  result<committed> apply(const write_batch& batch) { return apply(batch, {}); }
};

}  // namespace gatehouse::policy
