#pragma once
// The fields of a request, a grant and a change as every SQL backend keeps them: which
// columns, in which order, encoded how (times as Unix milliseconds, levels, decisions and
// comments as JSON through policy/record_codec, the justification and the title - outside bytes -
// in their lossless UTF-8 form, core/untrusted_text, since PostgreSQL's TEXT takes only UTF-8), and
// how a row is read back. A request's targets after the first are one JSON column (record_codec).
// One copy for the backends (storage/sqlite/rows, storage/postgresql/rows), which differ only in
// how a value is bound and read:
//   Binder: b.bind(position, value) for std::int64_t, std::string_view and
//           std::optional<std::int64_t>, called in position order 1..N;
//   Row:    r.integer(col), r.optional_integer(col), r.text(col), columns from 0.
// Pure templates, no I/O, no thread-safety of their own.
#include <string>
#include <string_view>
#include <vector>

#include "core/untrusted_text.hpp"
#include "policy/record_codec.hpp"
#include "policy/store.hpp"

namespace gatehouse::storage::fields {

// "id, version, state, ..." in the order read_request expects.
inline constexpr const char* request_columns =
    "id, version, state, requester, server, account, protocol, justification, window_start,"
    " window_end, emergency, post_approval, grant_id, rule, max_duration, pending_until,"
    " auto_approve, filed_by, levels, decisions, comments, created, updated, title, more_targets";
// The columns bind_request fills, in its order (positions 1..23).
inline constexpr const char* request_written_columns =
    "state, requester, server, account, protocol, justification, window_start, window_end,"
    " emergency, post_approval, grant_id, rule, max_duration, pending_until, auto_approve,"
    " filed_by, levels, decisions, comments, created, updated, title, more_targets";
inline constexpr int request_field_count = 23;

template <typename Binder>
void bind_request(Binder& b, const policy::request& r) {
  using namespace policy;
  using codec::to_millis;
  b.bind(1, to_string(r.state));
  b.bind(2, std::string_view(r.requester));
  b.bind(3, std::string_view(r.server));
  b.bind(4, std::string_view(r.account));
  b.bind(5, to_string(r.protocol));
  b.bind(6, std::string_view(to_valid_utf8(r.justification)));  // outside bytes, as the title
  b.bind(7, to_millis(r.window.start));
  b.bind(8, to_millis(r.window.end));
  b.bind(9, std::int64_t{r.emergency});
  b.bind(10, to_string(r.post_approval));
  b.bind(11, std::optional<std::int64_t>(r.grant));
  b.bind(12, std::string_view(r.rule));
  b.bind(13, std::int64_t{r.max_duration.count()});
  b.bind(14, to_millis(r.pending_until));
  b.bind(15, std::int64_t{r.auto_approve_requester});
  b.bind(16, std::string_view(r.filed_by));
  b.bind(17, std::string_view(codec::encode_levels(r.levels)));
  b.bind(18, std::string_view(codec::encode_decisions(r.decisions)));
  b.bind(19, std::string_view(codec::encode_comments(r.comments)));
  b.bind(20, to_millis(r.created));
  b.bind(21, to_millis(r.updated));
  b.bind(22, std::string_view(to_valid_utf8(r.title)));  // PostgreSQL TEXT takes only UTF-8
  b.bind(23, std::string_view(codec::encode_targets(r.more_targets)));
}

// A row selected with request_columns; internal error when its JSON parts are damaged.
template <typename Row>
policy::result<policy::request> read_request(const Row& s) {
  using namespace policy;
  using codec::from_millis;
  request r;
  r.id = s.integer(0);
  r.version = s.integer(1);
  auto state = parse_request_state(s.text(2));
  r.requester = s.text(3);
  r.server = s.text(4);
  r.account = s.text(5);
  auto protocol = parse_protocol(s.text(6));
  r.justification = from_valid_utf8(s.text(7));  // (rows written raw before: unchanged)
  r.window = {from_millis(s.integer(8)), from_millis(s.integer(9))};
  r.emergency = s.integer(10) != 0;
  auto post = parse_post_approval(s.text(11));
  r.grant = s.optional_integer(12);
  r.rule = s.text(13);
  r.max_duration = std::chrono::seconds(s.integer(14));
  r.pending_until = from_millis(s.integer(15));
  r.auto_approve_requester = s.integer(16) != 0;
  r.filed_by = s.text(17);
  auto levels = codec::decode_levels(s.text(18));
  auto decisions = codec::decode_decisions(s.text(19));
  auto comments = codec::decode_comments(s.text(20));
  r.created = from_millis(s.integer(21));
  r.updated = from_millis(s.integer(22));
  r.title = from_valid_utf8(s.text(23));
  auto more_targets = codec::decode_targets(s.text(24));
  if (!state || !protocol || !post || !levels || !decisions || !comments || !more_targets)
    return make_error(error_code::internal,
                      "request #" + std::to_string(r.id) + " is damaged in the store");
  r.state = *state;
  r.protocol = *protocol;
  r.post_approval = *post;
  r.levels = std::move(*levels);
  r.decisions = std::move(*decisions);
  r.comments = std::move(*comments);
  r.more_targets = std::move(*more_targets);
  return r;
}

// A list's server and account filters match any target of a request, not only the first.
// SQL narrows with `server = X OR more_targets LIKE '%"server":"X"%'` (target_pattern; a LIKE
// may match more: `_` is its wildcard, and an account may read like a server), and this
// decides exactly. Such a near miss can leave a limited list one short.
inline std::string target_pattern(std::string_view key, std::string_view value) {
  return "%\"" + std::string(key) + "\":\"" + std::string(value) + "\"%";
}
inline bool filter_matches_targets(const policy::request& r, const policy::request_filter& f) {
  if (!f.server && !f.account) return true;
  for (const auto& t : policy::targets_of(r))
    if ((!f.server || t.server == *f.server) && (!f.account || t.account == *f.account))
      return true;
  return false;
}
inline void keep_matching_targets(std::vector<policy::request>& list,
                                  const policy::request_filter& f) {
  std::erase_if(list, [&](const policy::request& r) { return !filter_matches_targets(r, f); });
}

// The further target of `r` that grant `g` (just inserted for it) is for gets g's id.
inline void set_target_grant(policy::request& r, const policy::grant& g) {
  for (auto& t : r.more_targets)
    if (t.server == g.server && t.account == g.account && !t.grant) {
      t.grant = g.id;
      return;
    }
}

inline constexpr const char* grant_columns =
    "id, version, request_id, person, server, account, start_at, end_at, state, revoked_by,"
    " closed_at";
// Positions 1..9 of bind_grant.
inline constexpr const char* grant_written_columns =
    "request_id, person, server, account, start_at, end_at, state, revoked_by, closed_at";
inline constexpr int grant_field_count = 9;

template <typename Binder>
void bind_grant(Binder& b, const policy::grant& g) {
  using policy::codec::to_millis;
  std::optional<std::int64_t> closed;
  if (g.closed_at) closed = to_millis(*g.closed_at);
  b.bind(1, std::int64_t{g.request});
  b.bind(2, std::string_view(g.person));
  b.bind(3, std::string_view(g.server));
  b.bind(4, std::string_view(g.account));
  b.bind(5, to_millis(g.start));
  b.bind(6, to_millis(g.end));
  b.bind(7, to_string(g.state));
  b.bind(8, std::string_view(g.revoked_by));
  b.bind(9, closed);
}

template <typename Row>
policy::result<policy::grant> read_grant(const Row& s) {
  using namespace policy;
  using codec::from_millis;
  grant g;
  g.id = s.integer(0);
  g.version = s.integer(1);
  g.request = s.integer(2);
  g.person = s.text(3);
  g.server = s.text(4);
  g.account = s.text(5);
  g.start = from_millis(s.integer(6));
  g.end = from_millis(s.integer(7));
  auto state = parse_grant_state(s.text(8));
  g.revoked_by = s.text(9);
  if (auto closed = s.optional_integer(10)) g.closed_at = from_millis(*closed);
  if (!state)
    return make_error(error_code::internal,
                      "grant #" + std::to_string(g.id) + " is damaged in the store");
  g.state = *state;
  return g;
}

inline constexpr const char* change_columns = "seq, kind, request_id, grant_id, at";

template <typename Row>
policy::result<policy::change> read_change(const Row& s) {
  using namespace policy;
  change c;
  c.seq = s.integer(0);
  auto kind = parse_change_kind(s.text(1));
  c.request = s.integer(2);
  c.grant = s.optional_integer(3);
  c.at = codec::from_millis(s.integer(4));
  if (!kind)
    return make_error(error_code::internal,
                      "change " + std::to_string(c.seq) + " is damaged in the store");
  c.kind = *kind;
  return c;
}

}  // namespace gatehouse::storage::fields
