#pragma once
// The PostgreSQL side of storage/record_fields.hpp: a binder that appends a record's fields
// to `params` ($1..$N in order) and a view of one result row for the readers. Internal to the
// PostgreSQL backend; no thread-safety of its own.
#include "storage/postgresql/connection.hpp"
#include "storage/record_fields.hpp"

namespace gatehouse::storage::postgresql {

// Appends in the order bind_request/bind_grant call it (positions 1..N).
struct params_binder {
  params& p;
  void bind(int, std::int64_t v) { p.add(v); }
  void bind(int, std::string_view v) { p.add(v); }
  void bind(int, const std::optional<std::int64_t>& v) { p.add(v); }
};

// Row `row` of `r`, as the readers of record_fields.hpp take it.
struct row_view {
  const rows& r;
  int row;
  std::int64_t integer(int col) const { return r.integer(row, col); }
  std::optional<std::int64_t> optional_integer(int col) const {
    return r.optional_integer(row, col);
  }
  std::string text(int col) const { return r.text(row, col); }
};

// Every row of `r` read with `read` (fields::read_request, ...), or the first error.
template <typename T, typename Read>
result<std::vector<T>> read_rows(const rows& r, Read read) {
  std::vector<T> out;
  out.reserve(std::size_t(r.count()));
  for (int i = 0; i < r.count(); ++i) {
    auto value = read(row_view{r, i});
    if (!value) return value.err();
    out.push_back(std::move(*value));
  }
  return out;
}

}  // namespace gatehouse::storage::postgresql
