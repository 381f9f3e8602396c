// The hold's state machine (see hold.hpp). Every callback handed to the gate, a timer or the
// paced queue holds a weak_ptr and checks the state it was registered in, so an answer that
// arrives after the hold moved on (or went away) changes nothing.
#include "proxy/session/hold.hpp"

#include <utility>

#include "policy/justification.hpp"
#include "policy/store_reachability.hpp"

namespace gatehouse::proxy::session {

std::string_view to_string(hold::state s) {
  switch (s) {
    case hold::state::checking: return "checking";
    case hold::state::justifying: return "justifying";
    case hold::state::filing: return "filing";
    case hold::state::held: return "held";
    case hold::state::releasing: return "releasing";
    case hold::state::released: return "released";
    case hold::state::refused: return "refused";
    case hold::state::cancelled: return "cancelled";
  }
  return "unknown";
}

namespace {

front_end_refusal refusal_for(request_state s) {
  switch (s) {
    case request_state::expired: return front_end_refusal::request_expired;
    case request_state::cancelled: return front_end_refusal::request_cancelled;
    default: return front_end_refusal::request_denied;
  }
}

refusal audit_down() {
  return {front_end_refusal::audit_unavailable, "audit log unavailable", {}, {}};
}

refusal store_down() {
  return {
      front_end_refusal::store_unreachable, std::string(policy::store_unreachable_text), {}, {}};
}

// Why a request could not be filed, as the hold refuses it.
refusal not_filed(const std::string& why) {
  if (why == policy::store_unreachable_text) return store_down();
  return {front_end_refusal::request_not_filed, why, {}, {}};
}

// How soon a held connection whose re-check could not reach the store asks again.
constexpr std::chrono::seconds recheck_while_store_away{1};

}  // namespace

hold::hold(boost::asio::any_io_executor executor, std::shared_ptr<hold_context> context,
           hold_view& view, target t, std::string source)
    : executor_(executor),
      context_(std::move(context)),
      view_(view),
      target_(std::move(t)),
      source_(std::move(source)),
      timeout_(executor),
      status_(executor) {}

hold::~hold() = default;

std::chrono::seconds hold::waited() const {
  if (held_since_ == std::chrono::steady_clock::time_point{}) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                          held_since_);
}

void hold::start(std::string filed_with) {
  auto self = shared_from_this();  // the view may drop its hold from inside refused()
  justification_ = std::move(filed_with);
  if (context_->sessions_allowed && !context_->sessions_allowed())
    return finish_refused(audit_down(), true);
  state_ = state::checking;
  context_->gate.check(target_, [weak = weak_from_this()](decision d) {
    if (auto self = weak.lock()) self->on_checked(std::move(d));
  });
}

void hold::on_checked(decision d) {
  if (state_ != state::checking) return;
  // A new login that needs the store while it is away: refused, saying so (audited).
  if (d.store_unreachable) return finish_refused(store_down(), true);
  switch (d.verdict) {
    case verdict::allow: return release(std::move(d));
    case verdict::approval_needed: return begin_filing(d, justification_);
    case verdict::justification_needed:
      if (justified_)
        return finish_refused({front_end_refusal::justification_not_accepted, d.text, {}, {}},
                              true);
      state_ = state::justifying;
      decision_ = d;
      view_.ask_justification(d);
      return;
    case verdict::deny: return finish_refused({d.deny, d.text, {}, {}}, true);
  }
}

void hold::justify(const std::string& answer) {
  if (state_ != state::justifying) return;
  auto self = shared_from_this();
  justification_ = answer;
  justified_ = true;
  // An approve rule that requires a reason: filed with it and held like any approval (the
  // place under the caps first, so a refused connection leaves no request behind).
  if (decision_.verdict == verdict::approval_needed) {
    announce_justification_ = true;
    return begin_filing(decision_, answer);
  }
  state_ = state::checking;
  context_->gate.file_or_reuse(target_, answer, [weak = weak_from_this()](filing f) {
    auto self = weak.lock();
    if (!self || self->state_ != state::checking) return;
    if (auto* error = std::get_if<std::string>(&f))
      return self->finish_refused(not_filed(*error), true);
    self->request_ = std::get<request_status>(f);
    self->view_.hold_event("justification.given", {{"request_id", self->request_.id}});
    self->context_->gate.check(self->target_, [weak](decision d) {
      if (auto again = weak.lock()) again->on_checked(std::move(d));
    });
  });
}

void hold::begin_filing(const decision& d, const std::string& justification) {
  decision_ = d;
  state_ = state::filing;
  auto taken = context_->caps.take(target_.person, source_);
  if (auto* refused = std::get_if<std::string>(&taken))
    return finish_refused({front_end_refusal::hold_cap_reached, *refused, {}, {}}, true);
  slots_ = std::move(std::get<held_slots>(taken));
  context_->gate.file_or_reuse(target_, justification, [weak = weak_from_this()](filing f) {
    if (auto self = weak.lock()) self->on_filed(std::move(f));
  });
}

void hold::on_filed(filing f) {
  if (state_ != state::filing) return;
  if (auto* error = std::get_if<std::string>(&f)) {
    // The rule files nothing without a reason and none was filed ahead: the front end asks
    // for one (or refuses, saying how to file it ahead), as for a `justify` rule.
    if (!justified_ && policy::is_justification_required(*error)) {
      slots_.reset();
      state_ = state::justifying;
      view_.ask_justification(decision_);
      return;
    }
    return finish_refused(not_filed(*error), true);
  }
  request_ = std::get<request_status>(f);
  if (std::exchange(announce_justification_, false))
    view_.hold_event("justification.given", {{"request_id", request_.id}});
  state_ = state::held;
  held_since_ = std::chrono::steady_clock::now();
  view_.hold_event("hold.start", {{"request_id", request_.id}});
  // Subscribe first, look second: a decision between the two is not lost, and a request
  // already decided is reported by the watch at once.
  request_watch_ =
      context_->gate.watch_request(request_.id, [weak = weak_from_this()](const request_status& r) {
        if (auto self = weak.lock()) self->on_update(r);
      });
  timeout_.expires_after(decision_.hold_timeout);
  timeout_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = ec ? nullptr : weak.lock();
    if (!self || self->state_ != state::held) return;
    self->view_.hold_event("hold.timeout", {{"request_id", self->request_.id}});
    self->finish_refused(
        {front_end_refusal::hold_timeout, {}, self->request_, self->decision_.hold_timeout}, false);
  });
  // Decided already (an emergency rule approves at filing): go on at once.
  if (request_.state != request_state::pending) return on_update(request_);
  view_.holding(request_);
  status_tick();
}

void hold::on_update(const request_status& r) {
  if (state_ != state::held || r.id != request_.id) return;
  auto self = shared_from_this();
  request_ = r;
  if (r.state == request_state::pending) {  // a level was decided: who is awaited now
    view_.waiting(request_, waited());
    return;
  }
  request_watch_.reset();
  timeout_.cancel();
  status_.cancel();
  if (r.state != request_state::approved) {
    view_.hold_event("hold.end", {{"request_id", r.id},
                                  {"outcome", policy::to_string(r.state)},
                                  {"reason", to_string(refusal_for(r.state))}});
    return finish_refused({refusal_for(r.state), {}, r, waited()}, false);
  }
  // Every connection held on this request is told first (one watch fires for all of them);
  // the re-check and the upstream login follow a batch per turn of the event loop, so that
  // the last of thousands is not told only after all the others have dialled.
  state_ = state::releasing;
  view_.hold_event("hold.end", {{"request_id", r.id}, {"outcome", "approved"}});
  view_.approved(r);
  context_->releases.add([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->recheck();
  });
}

void hold::recheck() {
  if (state_ != state::releasing) return;
  context_->gate.check(target_, [weak = weak_from_this()](decision d) {
    if (auto again = weak.lock()) again->on_rechecked(std::move(d));
  });
}

void hold::on_rechecked(decision d) {
  if (state_ != state::releasing) return;
  if (d.verdict == verdict::allow) return release(std::move(d));
  if (d.store_unreachable) {  // approved, but the store went away: ask again until it is back
    status_.expires_after(recheck_while_store_away);
    status_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = ec ? nullptr : weak.lock()) self->recheck();
    });
    return;
  }
  finish_refused({front_end_refusal::approval_gives_no_access, d.text, request_, waited()}, true);
}

void hold::status_tick() {
  status_.expires_after(context_->status_every);
  status_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = ec ? nullptr : weak.lock();
    if (!self || self->state_ != state::held) return;
    self->context_->gate.find_request(self->request_.id, [weak](std::optional<request_status> now) {
      auto again = weak.lock();
      if (!again || again->state_ != state::held) return;
      if (now && now->state == request_state::pending)
        again->request_.waiting_for = now->waiting_for;
      again->view_.waiting(again->request_, again->waited());
    });
    self->status_tick();
  });
}

void hold::release(decision d) {
  if (!d.authorization)  // a gate that allows without the policy's proof: never connect
    return finish_refused({policy::deny_reason::no_rule, "no authorization", {}, {}}, true);
  if (context_->sessions_allowed && !context_->sessions_allowed())
    return finish_refused(audit_down(), true);
  leave_hold();
  state_ = state::released;
  decision_ = d;
  view_.released(decision_);
}

void hold::refuse(front_end_refusal why, std::string text) {
  if (finished()) return;
  auto self = shared_from_this();
  std::optional<request_status> about;
  if (request_.id != 0) about = request_;
  finish_refused({why, std::move(text), about, waited()}, true);
}

void hold::cancel(std::string_view outcome) {
  if (finished()) return;
  bool was_held = state_ == state::held;
  state_ = state::cancelled;
  leave_hold();
  if (was_held) view_.hold_event("hold.end", {{"request_id", request_.id}, {"outcome", outcome}});
}

void hold::finish_refused(refusal r, bool audit_denial) {
  leave_hold();
  state_ = state::refused;
  if (audit_denial) {
    boost::json::object fields{{"reason", label(r.reason)}, {"text", r.text}};
    if (r.request) fields["request_id"] = r.request->id;
    view_.hold_event("access.denied", std::move(fields));
  }
  view_.refused(r);
}

void hold::leave_hold() {
  request_watch_.reset();
  timeout_.cancel();
  status_.cancel();
  slots_.reset();
}

}  // namespace gatehouse::proxy::session
