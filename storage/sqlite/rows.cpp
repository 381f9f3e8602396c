#include "storage/sqlite/rows.hpp"

#include "storage/record_fields.hpp"

namespace gatehouse::storage::sqlite {

using namespace policy;

const char* const request_columns = fields::request_columns;

const char* const request_insert_sql =
    "INSERT INTO requests (version, state, requester, server, account, protocol, justification,"
    " window_start, window_end, emergency, post_approval, grant_id, rule, max_duration,"
    " pending_until, auto_approve, filed_by, levels, decisions, comments, created, updated, title,"
    " more_targets) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
    " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";

const char* const request_update_sql =
    "UPDATE requests SET version = version + 1, state = ?1, requester = ?2, server = ?3,"
    " account = ?4, protocol = ?5, justification = ?6, window_start = ?7, window_end = ?8,"
    " emergency = ?9, post_approval = ?10, grant_id = ?11, rule = ?12, max_duration = ?13,"
    " pending_until = ?14, auto_approve = ?15, filed_by = ?16, levels = ?17, decisions = ?18,"
    " comments = ?19, created = ?20, updated = ?21, title = ?22, more_targets = ?23"
    " WHERE id = ?24 AND version = ?25";

void bind_request(statement& s, const request& r) { fields::bind_request(s, r); }

result<request> read_request(const statement& s) { return fields::read_request(s); }

const char* const grant_columns = fields::grant_columns;

const char* const grant_insert_sql =
    "INSERT INTO grants (version, request_id, person, server, account, start_at, end_at, state,"
    " revoked_by, closed_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const char* const grant_update_sql =
    "UPDATE grants SET version = version + 1, request_id = ?1, person = ?2, server = ?3,"
    " account = ?4, start_at = ?5, end_at = ?6, state = ?7, revoked_by = ?8, closed_at = ?9"
    " WHERE id = ?10 AND version = ?11";

void bind_grant(statement& s, const grant& g) { fields::bind_grant(s, g); }

result<grant> read_grant(const statement& s) { return fields::read_grant(s); }

const char* const change_columns = fields::change_columns;

result<change> read_change(const statement& s) { return fields::read_change(s); }

}  // namespace gatehouse::storage::sqlite
