#include "admin/json_views.hpp"

#include "core/time.hpp"
#include "policy/fulfilment.hpp"

namespace gatehouse::admin {

namespace json = boost::json;

namespace {
json::value text(std::string_view s) { return json::string(s); }
}  // namespace

json::object to_json(const policy::request& r) {
  json::array levels;
  for (std::size_t k = 0; k < r.levels.size(); ++k) {
    json::array names;
    for (const auto& n : r.levels[k].approvers) names.push_back(text(n));
    levels.push_back(json::object{{"level", k + 1},
                                  {"condition", text(policy::to_string(r.levels[k].condition))},
                                  {"approvers", std::move(names)}});
  }
  json::array decisions;
  for (const auto& d : r.decisions)
    decisions.push_back(json::object{{"approver", d.approver},
                                     {"verdict", text(policy::to_string(d.verdict))},
                                     {"comment", d.comment},
                                     {"at", format_rfc3339(d.at)},
                                     {"level", d.level + 1},
                                     {"admin_override", d.admin_override}});
  json::array comments;
  json::array history;  // the other steps kept with the comments: reassigned, revoked, ended
  for (const auto& c : r.comments) {
    if (c.kind == policy::record_kind::comment) {
      comments.push_back(
          json::object{{"author", c.author}, {"text", c.text}, {"at", format_rfc3339(c.at)}});
      continue;
    }
    json::value actor = nullptr;
    if (!c.author.empty()) actor = c.author;
    history.push_back(json::object{{"event", text(policy::to_string(c.kind))},
                                   {"actor", std::move(actor)},
                                   {"text", c.text},
                                   {"at", format_rfc3339(c.at)}});
  }
  json::value post = nullptr;
  if (r.post_approval != policy::post_approval::none)
    post = text(policy::to_string(r.post_approval));
  json::value grant = nullptr;
  if (r.grant) grant = *r.grant;
  json::array targets;  // every target, the first (server, account) included
  json::array grant_ids;
  for (const auto& t : policy::targets_of(r)) {
    json::value its_grant = nullptr;
    if (t.grant) {
      its_grant = *t.grant;
      grant_ids.push_back(*t.grant);
    }
    targets.push_back(
        json::object{{"server", t.server}, {"account", t.account}, {"grant_id", its_grant}});
  }
  return {{"id", r.id},
          {"state", text(policy::to_string(r.state))},
          {"requester", r.requester},
          {"server", r.server},
          {"account", r.account},
          {"targets", std::move(targets)},
          {"protocol", text(policy::to_string(r.protocol))},
          {"justification", r.justification},
          {"title", r.title},
          {"emergency", r.emergency},
          {"post_approval", std::move(post)},
          {"window", json::object{{"start", format_rfc3339(r.window.start)},
                                  {"end", format_rfc3339(r.window.end)}}},
          {"approvers", std::move(levels)},
          {"decisions", std::move(decisions)},
          {"comments", std::move(comments)},
          {"history", std::move(history)},
          {"grant_id", std::move(grant)},
          {"grant_ids", std::move(grant_ids)},
          {"fulfilment", text(policy::to_string(policy::fulfilment_of(r)))},
          {"rule", r.rule},
          {"filed_by", r.filed_by},
          {"created", format_rfc3339(r.created)},
          {"pending_until", format_rfc3339(r.pending_until)}};
}

json::object to_json(const policy::grant& g) {
  json::value closed = nullptr;
  if (g.closed_at) closed = format_rfc3339(*g.closed_at);
  json::value revoked_by = nullptr;
  if (!g.revoked_by.empty()) revoked_by = g.revoked_by;
  return {{"id", g.id},
          {"request_id", g.request},
          {"person", g.person},
          {"server", g.server},
          {"account", g.account},
          {"start", format_rfc3339(g.start)},
          {"end", format_rfc3339(g.end)},
          {"state", text(policy::to_string(g.state))},
          {"revoked_by", std::move(revoked_by)},
          {"closed_at", std::move(closed)}};
}

}  // namespace gatehouse::admin
