#pragma once
// The outbox in the SQLite store file (table mail_outbox, migration 3 of policy/sqlite_schema).
// It has its own connection to the file (WAL: it never waits for the policy store's readers)
// and a mutex around it. Its connection has secure_delete on, so an erased message (mark_sent)
// or a pruned row is overwritten with zeros in the file rather than left in a free page.
#include <memory>
#include <string>

#include "mail/outbox.hpp"

namespace gatehouse::mail {

// Opens `path` (creating and migrating the schema if needed); ":memory:" for tests.
result<std::unique_ptr<outbox>> open_sqlite_outbox(const std::string& path);

}  // namespace gatehouse::mail
