#pragma once
// The PostgreSQL token store (table web_tokens), mail outbox (table mail_outbox) and node store
// (tables nodes, kill_orders), each on a
// pool of its own over the same database. Internal to storage/; open them with
// storage::open_storage("postgresql://..."), which migrates the schema first (store.hpp).
#include <memory>
#include <string>

#include "approval/token_store.hpp"
#include "mail/outbox.hpp"
#include "nodes/node_store.hpp"

namespace gatehouse::storage::postgresql {

// `conninfo` as libpq takes it; `shown_url` for messages (no password).
policy::result<std::unique_ptr<approval::token_store>> open_token_store(
    const std::string& conninfo, const std::string& shown_url);
policy::result<std::unique_ptr<mail::outbox>> open_outbox(const std::string& conninfo,
                                                          const std::string& shown_url);
policy::result<std::unique_ptr<nodes::node_store>> open_node_store(const std::string& conninfo,
                                                                   const std::string& shown_url);

}  // namespace gatehouse::storage::postgresql
