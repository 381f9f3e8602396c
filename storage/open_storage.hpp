#pragma once
// The one way to open Gatehouse's durable state. open_storage() parses the store URL once
// (config/store_url.hpp) and opens, on the backend it names, the three parts that live in the
// store: the policy store (requests, grants, change feed), the web's token store and the mail
// outbox. Backends live under storage/<backend>/: SQLite today (one file, one connection per
// part, WAL lets them share it); postgresql:// is refused with a clear sentence until its
// backend exists.
//
// Ownership: the caller owns what comes back; the parts are independent (each has its own
// connection) and may be destroyed in any order. Thread-safety: open_* may be called from any
// thread; each part is safe to share between threads (see its interface).
#include <memory>
#include <string>

#include "approval/token_store.hpp"
#include "mail/outbox.hpp"
#include "policy/result.hpp"
#include "policy/store.hpp"

namespace gatehouse::storage {

struct stores {
  std::unique_ptr<policy::store> store;
  std::unique_ptr<approval::token_store> tokens;
  std::unique_ptr<mail::outbox> outbox;
};

// "sqlite:PATH" or "sqlite::memory:" (three separate in-memory databases). Creates the
// database and brings its schema up to date. On failure one line, e.g. "cannot open store
// sqlite:/x/y.db: unable to open database file".
policy::result<stores> open_storage(const std::string& url);

// The policy store alone (tools, benchmarks and tests); the same URLs and messages.
policy::result<std::unique_ptr<policy::store>> open_store(const std::string& url);

}  // namespace gatehouse::storage
