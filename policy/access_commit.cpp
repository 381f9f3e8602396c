// access_service, part 2: the commit path every change takes — transition, one durable
// store transaction (re-read and retried on a version conflict) in which the audit events are
// recorded before the commit, notifications after it.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "policy/access_service.hpp"
#include "policy/fulfilment.hpp"
#include "policy/notice_codec.hpp"

namespace gatehouse::policy {

namespace {

change_kind change_of(happening_kind k) {
  switch (k) {
    case happening_kind::request_created: return change_kind::request_filed;
    case happening_kind::request_approved:
    case happening_kind::request_denied:
    case happening_kind::request_expired:
    case happening_kind::request_cancelled:
    case happening_kind::access_emergency: return change_kind::request_decided;
    case happening_kind::grant_ended: return change_kind::grant_ended;
    case happening_kind::grant_revoked: return change_kind::grant_revoked;
    case happening_kind::request_reviewed:
    case happening_kind::request_comment:
    case happening_kind::request_reassigned:
    case happening_kind::request_fulfilled:
    case happening_kind::request_fulfilment_failed: break;
  }
  return change_kind::request_updated;
}

const char* text_field(happening_kind k) {
  switch (k) {
    case happening_kind::request_created:
    case happening_kind::access_emergency: return "justification";
    case happening_kind::request_comment: return "text";
    case happening_kind::request_reassigned: return "reassigned";
    case happening_kind::request_fulfilled: return "evidence";
    default: return "comment";
  }
}

audit_event audit_of(const happening& h, const committed& done, time_point now) {
  const request& r = done.req;
  audit_event e{std::string(audit_name(h.kind)), now, {}, {}};
  auto& f = e.fields;
  f["request"] = std::to_string(r.id);
  f["requester"] = r.requester;
  f["server"] = r.server;
  f["account"] = r.account;
  f["protocol"] = std::string(to_string(r.protocol));
  f["rule"] = r.rule;
  f["state"] = std::string(to_string(r.state));
  if (r.post_approval != post_approval::none)
    f["post_approval"] = std::string(to_string(r.post_approval));
  if (r.emergency) f["emergency"] = "true";
  if (!h.actor.empty()) f["actor"] = h.actor;
  if (!h.text.empty()) f[text_field(h.kind)] = h.text;
  if (r.filed_by != r.requester && h.kind == happening_kind::request_created)
    f["filed_by"] = r.filed_by;
  if (r.state == request_state::approved) {
    f["window_start"] = format_rfc3339(r.window.start);
    f["window_end"] = format_rfc3339(r.window.end);
  }
  if (!r.more_targets.empty()) f["targets"] = targets_text(r);
  if (done.stored_grant) {
    // A grant's event names that grant's target (a request may have several).
    f["server"] = done.stored_grant->server;
    f["account"] = done.stored_grant->account;
    f["grant"] = std::to_string(done.stored_grant->id);
    f["grant_state"] = std::string(to_string(done.stored_grant->state));
  } else if (r.grant) {
    f["grant"] = std::to_string(*r.grant);
  }
  if (!done.more_grants.empty()) {
    std::string ids = f["grant"];
    for (const grant& g : done.more_grants) ids += "," + std::to_string(g.id);
    f["grants"] = ids;
  }
  return e;
}

std::vector<change_kind> changes_of(const std::vector<happening>& happened) {
  std::vector<change_kind> out;
  for (const auto& h : happened) {
    change_kind k = change_of(h.kind);
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

// Changes that only take access away. Refusing one because the audit log cannot be written
// would keep access open that the policy has closed, so they go ahead regardless (the failed
// write is logged loudly by the sink).
bool only_takes_access_away(const std::vector<happening>& happened) {
  return std::all_of(happened.begin(), happened.end(), [](const happening& h) {
    switch (h.kind) {
      case happening_kind::request_denied:
      case happening_kind::request_expired:
      case happening_kind::request_cancelled:
      case happening_kind::grant_ended:
      case happening_kind::grant_revoked: return true;
      default: return false;
    }
  });
}

constexpr int max_attempts = 8;

std::vector<std::string> notices_of(const transition_outcome& out) {
  std::vector<std::string> texts;
  for (const notification& n : out.notifications) texts.push_back(encode_notice(n));
  return texts;
}

// An owed notice is claimed for this long: ample to tell it, short enough that a daemon dying
// while it tells leaves it to another soon.
constexpr std::chrono::seconds owed_notice_lease{60};
constexpr std::size_t owed_notices_per_round = 100;

}  // namespace

result<committed> access_service::commit(const request& r, const grant* g, const event& e,
                                         time_point now) {
  auto out = transition(r, g, e, now);
  if (!out) return out.err();
  // A manual request just approved becomes a task for its fulfillers (who they are is the
  // configuration's, which the pure transition does not read).
  if (r.state != request_state::approved &&
      fulfilment_of(out->next) == fulfilment_state::awaiting) {
    notification n;
    n.what = notification::kind::ask_fulfillers;
    n.people = fulfillers_of(*config(), out->next);
    if (n.people.empty())
      spdlog::warn("request #{} for manual server {} is approved but rule {} names no fulfiller",
                   out->next.id, out->next.server, out->next.rule);
    else
      out->notifications.push_back(std::move(n));
  }
  // Audited before it takes effect: the events are made durable inside the store transaction,
  // after every write succeeded and before the commit makes the change visible.
  const bool must_be_audited = !only_takes_access_away(out->happened);
  std::vector<audit_event> recorded;
  auto audit_first = [&](const committed& staged) -> result<void> {
    for (const happening& h : out->happened) {
      auto event = audit_of(h, staged, now);
      if (!audit_.record_before_change(event) && must_be_audited)
        return make_error(error_code::refused, "audit log unavailable: " + event.name +
                                                   " could not be recorded, so nothing changed");
      recorded.push_back(std::move(event));
    }
    return {};
  };
  auto done =
      store_.apply(write_batch{out->next, out->new_grant, out->changed_grant,
                               changes_of(out->happened), notices_of(*out), out->more_new_grants},
                   audit_first);
  if (!done) {
    // Events already in the log whose change was rolled back (a failed commit, or a later
    // event of the same change refused) are followed by "<event>.failed" (FORMAT.md).
    for (auto& event : recorded) {
      event.name += ".failed";
      event.at = now;
      event.fields["reason"] = done.message();
      audit_.record(event);
    }
    return done.err();
  }
  notify(*done, *out);
  return done;
}

result<committed> access_service::act(request_id id, time_point now,
                                      const std::function<event(const request&)>& make,
                                      std::optional<grant_id> which) {
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto r = store_.get_request(id);
    if (!r) return r.err();
    std::optional<grant> g;
    if (auto id_of_grant = which ? which : r->grant) {
      auto loaded = store_.get_grant(*id_of_grant);
      if (!loaded) return loaded.err();
      g = std::move(*loaded);
    }
    auto done = commit(*r, g ? &*g : nullptr, make(*r), now);
    if (done || done.code() != error_code::conflict) return done;
  }
  return make_error(error_code::conflict,
                    "request #" + std::to_string(id) + " kept changing under us; try again");
}

void access_service::notify(const committed& done, const transition_outcome& out) {
  std::vector<std::int64_t> told;
  for (std::size_t i = 0; i < out.notifications.size(); ++i) {
    const std::int64_t id = i < done.notice_ids.size() ? done.notice_ids[i] : 0;
    if (tell(done.req, out.notifications[i], id) && id != 0) told.push_back(id);
  }
  if (told.empty()) return;
  // Not settled: they stay owed and are told again (once per recipient) when due.
  if (auto settled = store_.settle_notices(told); !settled)
    spdlog::warn("notices of request #{}: {}", done.req.id, settled.message());
}

bool access_service::tell(const request& r, const notification& n, std::int64_t notice_id) {
  const std::string once = notice_id == 0 ? std::string() : notice_once_prefix(notice_id);
  switch (n.what) {
    case notification::kind::ask_approvers:
      return notifier_.ask_approvers(r, n.level, n.people, once);
    case notification::kind::tell_requester:
      return notifier_.tell_requester(r, n.about, n.by, n.comment, once);
    case notification::kind::tell_emergency: return notifier_.tell_emergency(r, n.people, once);
    case notification::kind::ask_fulfillers: return notifier_.ask_fulfillers(r, n.people, once);
  }
  return false;
}

result<std::size_t> access_service::tell_owed(time_point now) {
  auto owed = store_.claim_owed_notices(now, owed_notice_lease, owed_notices_per_round);
  if (!owed) return owed.err();
  std::vector<std::int64_t> done;
  for (const owed_notice& o : *owed) {
    auto n = decode_notice(o.text);
    auto r = store_.get_request(o.request);
    if (!n || (!r && r.code() == error_code::not_found)) {
      spdlog::error(
          "owed notice {} of request #{} cannot be told (unreadable or no request); "
          "dropped",
          o.id, o.request);
      done.push_back(o.id);
      continue;
    }
    if (!r) return r.err();
    spdlog::info(
        "telling notice {} of request #{} again: the daemon that committed it did not "
        "settle it",
        o.id, o.request);
    if (tell(*r, *n, o.id)) done.push_back(o.id);
  }
  if (!done.empty())
    if (auto settled = store_.settle_notices(done); !settled) return settled.err();
  return owed->size();
}

}  // namespace gatehouse::policy
