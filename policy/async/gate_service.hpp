#pragma once
// gate_service: the one async adapter between the synchronous policy core and the front ends
// (ssh, rdp, http) and the admin/web APIs. It runs on the daemon's io_context (one thread):
//   * check(target)                 the decision for a connection, now;
//   * file_or_reuse(target, why)    files an access request, or finds one filed ahead;
//   * watch_request(id, fn)         fn(request) once the request leaves `pending`
//                                   (at once if it already has);
//   * watch_grant(id, fn)           fn(grant) once the grant is ended or revoked;
//   * the timers that expire pending requests and end grants, armed from the store at start
//     (so they survive a restart) and re-armed after every change;
//   * the change feed: after every mutation (and periodically, for changes made by other
//     daemons sharing the store) it reads the store's changes since the last one seen and
//     calls the watchers.
// A held connection subscribes first and re-checks second, so no decision is missed.
//
// Thread-safety: everything on the io_context's thread. Callbacks run there too, never from
// inside the call that registered them.
#include <functional>
#include <memory>
#include <string>

#include "core/cancel_handle.hpp"
#include "policy/access_service.hpp"
#include "policy/async/request_tally.hpp"
#include "policy/decision.hpp"

namespace boost::asio {
class io_context;
}

namespace gatehouse::policy {

// Ends a watch when destroyed (a client that leaves cancels its wait).
using subscription = cancel_handle;

class gate_service {
 public:
  // `changes` is the store `access` writes to: the change feed is read from it.
  gate_service(boost::asio::io_context& io, access_service& access, store& changes,
               const clock& clock);
  ~gate_service();
  gate_service(const gate_service&) = delete;
  gate_service& operator=(const gate_service&) = delete;

  // Arms the timers from the store and starts polling the change feed.
  void start();
  void stop();

  decision check(const target& t) const;
  result<request> file_or_reuse(const target& t, const std::string& justification);

  [[nodiscard]] subscription watch_request(request_id id, std::function<void(const request&)> fn);
  [[nodiscard]] subscription watch_grant(grant_id id, std::function<void(const grant&)> fn);

  // For the admin and web APIs: the synchronous operations. Call changed() after a mutation
  // so that watchers learn of it at once and the timers follow.
  access_service& access() { return access_; }
  void changed();

  std::size_t watcher_count() const;
  // Requests pending now and filed and ended since start, as the change feed told them (kept
  // in memory, for /metrics).
  request_counts counts() const;

 private:
  struct impl;
  access_service& access_;
  std::shared_ptr<impl> impl_;
};

}  // namespace gatehouse::policy
