#pragma once
// The hold: what every front end does between "this person wants that target" and either a
// policy::authorization to connect with or a refusal with its deny_reason (SPEC "Decisions
// and requests"; ARCHITECTURE "A held connection subscribes before it re-checks").
//
//   checking    the gate decides: allow -> released; deny -> refused;
//               justification needed -> justifying; approval needed -> filing;
//   justifying  the front end obtains a reason its own way (SSH: keyboard-interactive; RDP
//               cannot ask and refuses, saying how to file one ahead) and calls justify();
//               justify rule: the request is filed and the gate asked again (allow ->
//               released, approval -> filing); approve rule: filing, with the reason;
//   filing      a place under the caps (per person, per source) is taken, else refused
//               (hold_cap_reached); the request is filed or the open one reused; a rule that
//               files nothing without a reason (require_justification) and no request filed
//               ahead: the place is given back and the hold is justifying, as above;
//   held        subscribed to the request first, then its state is looked at; status lines
//               every status_every; the rule's hold_timeout is a denial (hold_timeout);
//               approval -> the re-check runs paced (paced_queue: a batch per turn of the
//               loop, so one decision releasing thousands never stalls the daemon): releasing;
//               a re-check that cannot reach the store is asked again every second until
//               it can (the connection is never refused for the store's absence once held);
//   released    the front end got the decision with its authorization;
//   refused     the front end got the refusal (reason, sentence, the request if any); a new
//               login whose check or filing cannot reach the store: store_unreachable, with
//               policy::store_unreachable_text;
//   cancelled   the client left or the connection was shut: nothing more is reported.
// Audit events (through the view, which adds who and where): access.denied {reason, text}
// for a refusal before or outside the hold, hold.start/hold.end/hold.timeout {request_id,
// outcome, reason}, justification.given {request_id}.
//
// Ownership: the connection owns its hold (make_shared); every callback the hold registers
// holds a weak_ptr, so a connection that goes away simply ends its hold; `view` must outlive
// the hold or cancel() it first. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/counted_slots.hpp"
#include "proxy/session/gate.hpp"
#include "proxy/session/paced_queue.hpp"
#include "proxy/session/refusal.hpp"

namespace gatehouse::proxy::session {

// What the holds of one listener on one io thread share; a connection keeps a shared_ptr, so
// it may outlive its front end. The caps may be shared with the same listener's front ends on
// the daemon's other io threads (`workers`; hold_caps is thread-safe); the gate and the paced
// releases are this thread's.
struct hold_context {
  hold_context(boost::asio::any_io_executor executor, session::gate& g,
               std::shared_ptr<hold_caps> shared_caps)
      : gate(g),
        caps_owner(std::move(shared_caps)),
        caps(*caps_owner),
        releases(std::move(executor), 64) {}
  hold_context(boost::asio::any_io_executor executor, session::gate& g, std::size_t per_person,
               std::size_t per_source)
      : hold_context(std::move(executor), g, std::make_shared<hold_caps>(per_person, per_source)) {}
  session::gate& gate;
  std::shared_ptr<hold_caps> caps_owner;
  hold_caps& caps;                        // held connections per person and per source address
  paced_queue releases;                   // approved connections going on to their server
  std::chrono::seconds status_every{10};  // status lines while held
  // The audit trail's verdict on new sessions (audit.on_write_failure); unset = allowed.
  std::function<bool()> sessions_allowed;
};

// How a protocol shows the hold to its client. released() and refused() come once, and may
// come from inside start(), justify() or refuse().
class hold_view {
 public:
  virtual void hold_event(std::string_view name, boost::json::object fields) = 0;
  virtual void ask_justification(const decision& d) = 0;                // answer with justify()
  virtual void holding(const request_status&) {}                        // entered `held`
  virtual void waiting(const request_status&, std::chrono::seconds) {}  // a status line
  virtual void approved(const request_status&) {}                       // before the paced re-check
  virtual void released(const decision& d) = 0;                         // d.authorization is set
  virtual void refused(const refusal& r) = 0;

 protected:
  ~hold_view() = default;
};

class hold : public std::enable_shared_from_this<hold> {
 public:
  enum class state { checking, justifying, filing, held, releasing, released, refused, cancelled };

  hold(boost::asio::any_io_executor executor, std::shared_ptr<hold_context> context,
       hold_view& view, target t, std::string source);
  ~hold();
  hold(const hold&) = delete;
  hold& operator=(const hold&) = delete;

  // `filed_with`: the justification a request is filed with when none is asked for (none:
  // SSH and RDP file an `approve` request without one unless the rule requires it).
  void start(std::string filed_with = {});
  void justify(const std::string& answer);  // while justifying
  // The front end's own refusal while checking, justifying or held (no justification given).
  void refuse(front_end_refusal why, std::string text = {});
  // The client left or the connection is shut: no more calls to the view; a held
  // connection's place and watch are given back (hold.end with `outcome`).
  void cancel(std::string_view outcome = "client_left");

  state current() const { return state_; }
  bool finished() const {
    return state_ == state::released || state_ == state::refused || state_ == state::cancelled;
  }
  const target& where() const { return target_; }
  std::int64_t request_id() const { return request_.id; }  // 0 before filing

 private:
  void on_checked(decision d);
  void begin_filing(const decision& d, const std::string& justification);
  void on_filed(filing f);
  void on_justified(filing f);
  void on_update(const request_status& r);
  void recheck();
  void on_rechecked(decision d);
  void status_tick();
  void release(decision d);
  void finish_refused(refusal r, bool audit_denial);
  void leave_hold();
  std::chrono::seconds waited() const;

  boost::asio::any_io_executor executor_;
  std::shared_ptr<hold_context> context_;
  hold_view& view_;
  target target_;
  std::string source_;
  state state_ = state::checking;
  decision decision_;  // the one that led to the hold (its timeout)
  std::string justification_;
  bool justified_ = false;  // a justification was filed: the next check must not ask again
  bool announce_justification_ = false;  // approve: justification.given once it is filed
  request_status request_;
  held_slots slots_;
  watch request_watch_;
  std::chrono::steady_clock::time_point held_since_;
  boost::asio::steady_timer timeout_;
  boost::asio::steady_timer status_;
};

std::string_view to_string(hold::state s);

}  // namespace gatehouse::proxy::session
