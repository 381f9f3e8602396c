#pragma once
// The SQLite backend of mail::outbox (mail/outbox.hpp): table mail_outbox (migration 3 of
// schema.cpp) in the store's file, through its own connection (WAL: it never waits for the
// policy store's readers) and a mutex around it.
//
// Erased messages leave the files promptly: the connection has secure_delete on, so an erased
// message (mark_sent) or a pruned row is overwritten with zeros in the file rather than left
// in a free page, and mark_sent then checkpoints the write-ahead log and cuts it to nothing,
// so that no older image of the page (with the links) stays in gatehouse.db-wal. That
// checkpoint gives way to other connections' readers (it retries for about 100 ms, never
// making a writer wait); when they keep it out, the next mark_sent or prune_sent clears it.
//
// Thread-safety: every call takes the mutex; mark_sent and prune_sent may sleep briefly, call
// them from the mail thread.
#include <memory>
#include <string>

#include "mail/outbox.hpp"

namespace gatehouse::storage::sqlite {

// Opens `path` (creating and migrating the schema if needed); ":memory:" for tests.
policy::result<std::unique_ptr<mail::outbox>> open_outbox(const std::string& path);

}  // namespace gatehouse::storage::sqlite
