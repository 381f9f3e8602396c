// request_choices: the targets a person may request on the web form (request_choices.hpp).
#include "web/request_choices.hpp"

#include <algorithm>

#include "policy/access_service.hpp"
#include "policy/policy_index.hpp"

namespace gatehouse::web {

std::string request_choice::name() const {
  return target.account.empty() ? target.server : target.account + "@" + target.server;
}

namespace {
void add_choice(std::vector<request_choice>& out, const policy::policy_index& index,
                policy::target t, time_point now) {
  const policy::no_grants none;
  auto d = policy::decide(index, t, none, now);
  request_choice c;
  c.target = std::move(t);
  if (auto* need = std::get_if<policy::decisions::approval_needed>(&d)) {
    c.terms = need->terms;
    c.needs_approval = true;
    c.levels = policy::proposed_levels(*need, c.target.person);
  } else if (auto* j = std::get_if<policy::decisions::justification_needed>(&d)) {
    c.terms = j->terms;
  } else {
    return;  // allowed without a request, or denied
  }
  out.push_back(std::move(c));
}
}  // namespace

std::vector<request_choice> request_choices(const config::config& cfg, const std::string& person,
                                            time_point now) {
  std::vector<request_choice> out;
  const policy::policy_index index(cfg);
  for (const auto& server : cfg.servers) {
    if (server.protocol == config::protocol::ssh) {
      for (const auto& account : server.accounts)
        add_choice(out, index, {person, server.name, account.name, server.protocol}, now);
    } else {  // rdp, http and manual resources are asked for by name alone
      add_choice(out, index, {person, server.name, "", server.protocol}, now);
    }
  }
  return out;
}

const request_choice* find_choice(const std::vector<request_choice>& choices,
                                  std::string_view name) {
  for (const auto& c : choices)
    if (c.name() == name) return &c;
  return nullptr;
}

std::vector<std::string> choosable_approvers(const request_choice& c) {
  std::vector<std::string> out;
  for (const auto& level : c.levels)
    for (const auto& p : level.approvers)
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

std::string utc_from_form(std::string_view value) {
  // YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, no zone: the form's UTC.
  const bool local_form = (value.size() == 16 || value.size() == 19) && value[10] == 'T' &&
                          std::all_of(value.begin(), value.end(), [](char ch) {
                            return (ch >= '0' && ch <= '9') || ch == '-' || ch == ':' || ch == 'T';
                          });
  if (!local_form) return std::string(value);
  return std::string(value) + (value.size() == 16 ? ":00Z" : "Z");
}

}  // namespace gatehouse::web
