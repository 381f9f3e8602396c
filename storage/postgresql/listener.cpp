#include "storage/postgresql/listener.hpp"

#include <poll.h>

#include <libpq-fe.h>

#include <algorithm>
#include <thread>

#include "storage/postgresql/schema.hpp"

namespace gatehouse::storage::postgresql {

namespace {
// Takes every notification waiting on `c`; true when there was one.
bool drain(pg_conn* c) {
  bool any = false;
  while (PGnotify* n = PQnotifies(c)) {
    any = true;
    PQfreemem(n);
  }
  return any;
}
}  // namespace

result<void> change_listener::connect() {
  auto c = connection::open(conninfo_);
  if (!c) return c.err();
  if (auto r = (*c)->exec(std::string("LISTEN ") + changes_channel); !r) return r.err();
  conn_ = std::move(*c);
  backoff_.succeeded();
  return {};
}

result<bool> change_listener::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!conn_ || conn_->broken()) {
    conn_.reset();
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_at_) {
      std::this_thread::sleep_for(std::min(retry_at_, deadline) - now);
      if (std::chrono::steady_clock::now() < retry_at_)
        return make_error(error_code::internal, "postgresql: reconnecting the change listener");
    }
    if (auto r = connect(); !r) {
      retry_at_ = std::chrono::steady_clock::now() + backoff_.failed();
      return r.err();
    }
    return true;  // reconnected: whatever was said meanwhile is read from the feed
  }
  pg_conn* c = conn_->native();
  for (;;) {
    if (drain(c)) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{PQsocket(c), POLLIN, 0};
    if (fd.fd < 0) return connection_error(c);
    const int ready = ::poll(&fd, 1, int(left.count()));
    if (ready < 0) continue;  // a signal: look again
    if (ready == 0) return false;
    if (PQconsumeInput(c) == 0) {
      auto e = connection_error(c);
      conn_.reset();
      retry_at_ = std::chrono::steady_clock::now();
      return e;
    }
  }
}

}  // namespace gatehouse::storage::postgresql
