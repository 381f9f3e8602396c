#include "storage/open_storage.hpp"

#include "config/store_url.hpp"
#include "storage/postgresql/parts.hpp"
#include "storage/postgresql/store.hpp"
#include "storage/slowed_store.hpp"
#include "storage/sqlite/node_store.hpp"
#include "storage/sqlite/outbox.hpp"
#include "storage/sqlite/store.hpp"
#include "storage/sqlite/token_store.hpp"

namespace gatehouse::storage {

namespace {

using policy::error_code;
using policy::make_error;
using policy::result;

// The URL's backend, or why none opens it.
result<config::store_url> backend_of(const std::string& url) {
  auto parsed = config::parse_store_url(url);
  if (!parsed)
    return make_error(error_code::invalid,
                      "cannot open store " + config::shown_store_url(url) +
                          ": unsupported kind of store (use sqlite:PATH or postgresql://...)");
  return std::move(*parsed);
}

result<std::unique_ptr<policy::store>> open_policy_store(const config::store_url& backend,
                                                         const std::string& url) {
  if (backend.kind == config::store_kind::postgresql)
    return postgresql::open_store(backend.location, config::shown_store_url(url));
  return sqlite::open_store(backend.location, url);
}

}  // namespace

result<stores> open_storage(const std::string& url) {
  auto backend = backend_of(url);
  if (!backend) return backend.err();
  stores out;
  auto store = open_policy_store(*backend, url);  // first: it brings the schema up to date
  if (!store) return store.err();
  out.store = slowed_if_asked(std::move(*store));
  if (backend->kind == config::store_kind::postgresql) {
    const std::string shown = config::shown_store_url(url);
    auto tokens = postgresql::open_token_store(backend->location, shown);
    if (!tokens) return tokens.err();
    out.tokens = std::move(*tokens);
    auto outbox = postgresql::open_outbox(backend->location, shown);
    if (!outbox) return outbox.err();
    out.outbox = std::move(*outbox);
    auto nodes = postgresql::open_node_store(backend->location, shown);
    if (!nodes) return nodes.err();
    out.nodes = std::move(*nodes);
    return out;
  }
  auto tokens = sqlite::open_token_store(backend->location);
  if (!tokens) return tokens.err();
  out.tokens = std::move(*tokens);
  auto outbox = sqlite::open_outbox(backend->location);
  if (!outbox) return outbox.err();
  out.outbox = std::move(*outbox);
  auto nodes = sqlite::open_node_store(backend->location);
  if (!nodes) return nodes.err();
  out.nodes = std::move(*nodes);
  return out;
}

result<std::unique_ptr<policy::store>> open_store(const std::string& url) {
  auto backend = backend_of(url);
  if (!backend) return backend.err();
  return open_policy_store(*backend, url);
}

}  // namespace gatehouse::storage
