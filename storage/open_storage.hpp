#pragma once
// The one way to open Gatehouse's durable state. open_storage() parses the store URL once
// (config/store_url.hpp) and opens, on the backend it names, the four parts that live in the
// store: the policy store (requests, grants, change feed), the web's token store, the mail
// outbox and the node store. Backends live under storage/<backend>/: SQLite (one file, one connection per part,
// WAL lets them share it; one daemon) and PostgreSQL (a small pool of connections per part,
// several daemons on one database; config/store_url.hpp says which strings it takes).
//
// Ownership: the caller owns what comes back; the parts are independent (each has its own
// connection) and may be destroyed in any order. Thread-safety: open_* may be called from any
// thread; each part is safe to share between threads (see its interface).
#include <memory>
#include <string>

#include "approval/token_store.hpp"
#include "mail/outbox.hpp"
#include "nodes/node_store.hpp"
#include "policy/result.hpp"
#include "policy/store.hpp"

namespace gatehouse::storage {

struct stores {
  std::unique_ptr<policy::store> store;
  std::unique_ptr<approval::token_store> tokens;
  std::unique_ptr<mail::outbox> outbox;
  std::unique_ptr<nodes::node_store> nodes;  // the daemons sharing the store (nodes/)
};

// "sqlite:PATH", "sqlite::memory:" (three separate in-memory databases) or a PostgreSQL
// string. Creates the database (SQLite) and brings its schema up to date. On failure one line,
// e.g. "cannot open store sqlite:/x/y.db: unable to open database file"; a password in the
// string is never in it. In test builds the policy store may come
// slowed (slowed_store.hpp).
policy::result<stores> open_storage(const std::string& url);

// The policy store alone (tools, benchmarks and tests); the same URLs and messages.
policy::result<std::unique_ptr<policy::store>> open_store(const std::string& url);

}  // namespace gatehouse::storage
