#pragma once
// Row mapping for the SQLite store (store.cpp): the column lists of the requests, grants and
// changes tables, binding a record's fields as statement parameters ?1..?N, and reading a row
// back (the fields themselves: storage/record_fields.hpp, shared with PostgreSQL). Internal to
// the SQLite backend.
//
// Pure helpers over a statement; no thread-safety of their own.
#include "policy/store.hpp"
#include "storage/sqlite/database.hpp"

namespace gatehouse::storage::sqlite {

// "id, version, state, ..." in the order read_request expects.
extern const char* const request_columns;
// Parameters ?1..?21 of bind_request, for INSERT ... VALUES and UPDATE ... SET.
extern const char* const request_insert_sql;
extern const char* const request_update_sql;  // ... WHERE id = ?23 AND version = ?24
void bind_request(statement& s, const policy::request& r);
// A row selected with request_columns; internal error when its JSON parts are damaged.
result<policy::request> read_request(const statement& s);

extern const char* const grant_columns;
extern const char* const grant_insert_sql;  // ?1..?9
extern const char* const grant_update_sql;  // ... WHERE id = ?10 AND version = ?11
void bind_grant(statement& s, const policy::grant& g);
result<policy::grant> read_grant(const statement& s);

extern const char* const change_columns;  // seq, kind, request_id, grant_id, at
result<policy::change> read_change(const statement& s);

}  // namespace gatehouse::storage::sqlite
