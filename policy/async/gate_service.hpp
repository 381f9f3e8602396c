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
//   * the change feed: after every mutation, at once when another daemon sharing the store
//     commits one (change_listener.hpp: PostgreSQL's LISTEN/NOTIFY), and periodically as a
//     safety net, it reads the store's changes since the last one seen and calls the watchers.
// A held connection subscribes first and re-checks second, so no decision is missed.
//
// Losing the store (PostgreSQL; policy/store_reachability.hpp): the change listener reports it
// lost and back; store_reachable() answers on the io thread (front ends refuse new logins that
// need the store meanwhile, holds wait), the daemon hears it through on_store_reachability()
// (on_store_loss), and once it is back one round settles what fell due meanwhile and reads
// the feed from the last change seen (the full resync), so a decision made while this daemon
// could not listen reaches its holds.
//
// Store work off the io thread: the periodic feed poll and the deadline work (expiring,
// ending, re-reading the next deadline) run on a worker thread (store_worker.hpp) and post
// their results back, so a slow store never stalls a relay, a held connection or a timer.
// check_async, file_or_reuse_async, find_request_async, watch_*_async and changed_async do the
// same for the callers (the front ends use only these, through proxy/session/service_gate);
// check, file_or_reuse, changed, start and watch_request/watch_grant still call the store on
// the calling thread (the admin and web operations, and tests that do not run the io).
//
// Thread-safety: everything on the io_context's thread. Callbacks run there too, never from
// inside the call that registered them; the watchers' state is only touched there.
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

  // The same, with the store calls on the worker: `done` runs later on the io thread (after
  // the feed has been read and the timers re-armed, for file_or_reuse_async). After stop() or
  // once the service is gone, `done` is dropped, never called.
  void check_async(const target& t, std::function<void(decision)> done);
  void file_or_reuse_async(const target& t, std::string justification,
                           std::function<void(result<request>)> done);

  [[nodiscard]] subscription watch_request(request_id id, std::function<void(const request&)> fn);
  [[nodiscard]] subscription watch_grant(grant_id id, std::function<void(const grant&)> fn);
  // The same, with the look at the request (grant) as it stands now made on the worker: what
  // the front ends use, so that a slow store never stalls a held connection or a session.
  [[nodiscard]] subscription watch_request_async(request_id id,
                                                 std::function<void(const request&)> fn);
  [[nodiscard]] subscription watch_grant_async(grant_id id, std::function<void(const grant&)> fn);
  // The request as it stands, read on the worker (`done` on the io thread, dropped after stop()).
  void find_request_async(request_id id, std::function<void(result<request>)> done);

  // For the admin and web APIs: the synchronous operations. Call changed() after a mutation
  // so that watchers learn of it at once and the timers follow.
  access_service& access() { return access_; }
  void changed();
  // changed() with the feed read and the next deadline on the worker.
  void changed_async();

  // Whether the access store can be reached, as the change listener last found it (always
  // true for a store that cannot be lost: SQLite has no listener).
  bool store_reachable() const;
  // fn(false) when the store is lost, fn(true) when it is back (after the resync round was
  // asked for). For the daemon (on_store_loss); call before start().
  void on_store_reachability(std::function<void(bool reachable)> fn);

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
