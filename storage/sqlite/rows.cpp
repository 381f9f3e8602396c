#include "storage/sqlite/rows.hpp"

#include "policy/record_codec.hpp"

namespace gatehouse::storage::sqlite {

using namespace policy;
using codec::from_millis;
using codec::to_millis;

const char* const request_columns =
    "id, version, state, requester, server, account, protocol, justification, window_start,"
    " window_end, emergency, post_approval, grant_id, rule, max_duration, pending_until,"
    " auto_approve, filed_by, levels, decisions, comments, created, updated";

const char* const request_insert_sql =
    "INSERT INTO requests (version, state, requester, server, account, protocol, justification,"
    " window_start, window_end, emergency, post_approval, grant_id, rule, max_duration,"
    " pending_until, auto_approve, filed_by, levels, decisions, comments, created, updated)"
    " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21)";

const char* const request_update_sql =
    "UPDATE requests SET version = version + 1, state = ?1, requester = ?2, server = ?3,"
    " account = ?4, protocol = ?5, justification = ?6, window_start = ?7, window_end = ?8,"
    " emergency = ?9, post_approval = ?10, grant_id = ?11, rule = ?12, max_duration = ?13,"
    " pending_until = ?14, auto_approve = ?15, filed_by = ?16, levels = ?17, decisions = ?18,"
    " comments = ?19, created = ?20, updated = ?21 WHERE id = ?22 AND version = ?23";

void bind_request(statement& s, const request& r) {
  s.bind(1, to_string(r.state))
      .bind(2, r.requester)
      .bind(3, r.server)
      .bind(4, r.account)
      .bind(5, to_string(r.protocol))
      .bind(6, r.justification)
      .bind(7, to_millis(r.window.start))
      .bind(8, to_millis(r.window.end))
      .bind(9, std::int64_t{r.emergency})
      .bind(10, to_string(r.post_approval))
      .bind(11, r.grant)
      .bind(12, r.rule)
      .bind(13, std::int64_t{r.max_duration.count()})
      .bind(14, to_millis(r.pending_until))
      .bind(15, std::int64_t{r.auto_approve_requester})
      .bind(16, r.filed_by)
      .bind(17, codec::encode_levels(r.levels))
      .bind(18, codec::encode_decisions(r.decisions))
      .bind(19, codec::encode_comments(r.comments))
      .bind(20, to_millis(r.created))
      .bind(21, to_millis(r.updated));
}

result<request> read_request(const statement& s) {
  request r;
  r.id = s.integer(0);
  r.version = s.integer(1);
  auto state = parse_request_state(s.text(2));
  r.requester = s.text(3);
  r.server = s.text(4);
  r.account = s.text(5);
  auto protocol = parse_protocol(s.text(6));
  r.justification = s.text(7);
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
  if (!state || !protocol || !post || !levels || !decisions || !comments)
    return make_error(error_code::internal,
                      "request #" + std::to_string(r.id) + " is damaged in the store");
  r.state = *state;
  r.protocol = *protocol;
  r.post_approval = *post;
  r.levels = std::move(*levels);
  r.decisions = std::move(*decisions);
  r.comments = std::move(*comments);
  return r;
}

const char* const grant_columns =
    "id, version, request_id, person, server, account, start_at, end_at, state, revoked_by,"
    " closed_at";

const char* const grant_insert_sql =
    "INSERT INTO grants (version, request_id, person, server, account, start_at, end_at, state,"
    " revoked_by, closed_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const char* const grant_update_sql =
    "UPDATE grants SET version = version + 1, request_id = ?1, person = ?2, server = ?3,"
    " account = ?4, start_at = ?5, end_at = ?6, state = ?7, revoked_by = ?8, closed_at = ?9"
    " WHERE id = ?10 AND version = ?11";

void bind_grant(statement& s, const grant& g) {
  std::optional<std::int64_t> closed;
  if (g.closed_at) closed = to_millis(*g.closed_at);
  s.bind(1, g.request)
      .bind(2, g.person)
      .bind(3, g.server)
      .bind(4, g.account)
      .bind(5, to_millis(g.start))
      .bind(6, to_millis(g.end))
      .bind(7, to_string(g.state))
      .bind(8, g.revoked_by)
      .bind(9, closed);
}

result<grant> read_grant(const statement& s) {
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

const char* const change_columns = "seq, kind, request_id, grant_id, at";

result<change> read_change(const statement& s) {
  change c;
  c.seq = s.integer(0);
  auto kind = parse_change_kind(s.text(1));
  c.request = s.integer(2);
  c.grant = s.optional_integer(3);
  c.at = from_millis(s.integer(4));
  if (!kind)
    return make_error(error_code::internal,
                      "change " + std::to_string(c.seq) + " is damaged in the store");
  c.kind = *kind;
  return c;
}

}  // namespace gatehouse::storage::sqlite
