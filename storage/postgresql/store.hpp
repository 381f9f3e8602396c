#pragma once
// The PostgreSQL policy::store (requests, grants, the change feed) that several daemons share.
// Internal to storage/; open it with storage::open_storage("postgresql://...").
#include <memory>
#include <string>

#include "policy/store.hpp"

namespace gatehouse::storage::postgresql {

// `conninfo` as libpq takes it; `shown_url` is what url() and messages show (no password).
// Connects, migrates under the advisory lock, and starts listening for other daemons' changes.
policy::result<std::unique_ptr<policy::store>> open_store(const std::string& conninfo,
                                                          const std::string& shown_url);

}  // namespace gatehouse::storage::postgresql
