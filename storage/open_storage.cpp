#include "storage/open_storage.hpp"

#include "config/store_url.hpp"
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
                      "cannot open store " + url + ": unsupported kind of store (use sqlite:PATH)");
  if (parsed->kind == config::store_kind::postgresql)  // the URL may hold a password: not shown
    return make_error(error_code::invalid,
                      "cannot open store: PostgreSQL stores are not supported yet (use "
                      "sqlite:PATH)");
  return std::move(*parsed);
}

}  // namespace

result<stores> open_storage(const std::string& url) {
  auto backend = backend_of(url);
  if (!backend) return backend.err();
  stores out;
  auto store = sqlite::open_store(backend->location, url);
  if (!store) return store.err();
  out.store = std::move(*store);
  auto tokens = sqlite::open_token_store(backend->location);
  if (!tokens) return tokens.err();
  out.tokens = std::move(*tokens);
  auto outbox = sqlite::open_outbox(backend->location);
  if (!outbox) return outbox.err();
  out.outbox = std::move(*outbox);
  return out;
}

result<std::unique_ptr<policy::store>> open_store(const std::string& url) {
  auto backend = backend_of(url);
  if (!backend) return backend.err();
  return sqlite::open_store(backend->location, url);
}

}  // namespace gatehouse::storage
