#include "mail/reply_policy.hpp"

namespace gatehouse::mail {

namespace {

const config::rule* rule_of(const config::config& c, const policy::request& r) {
  for (const auto& rule : c.rules)
    if (rule.name == r.rule) return &rule;
  return nullptr;
}

}  // namespace

bool replies_offered(const config::config& c, const policy::request& r) {
  if (c.mail.inbox.empty()) return false;
  const config::rule* rule = rule_of(c, r);
  return rule && rule->reply_decisions != config::reply_decisions::off;
}

std::string reply_refusal(const config::config& c, const policy::request& r,
                          reply_verdict verdict) {
  if (c.mail.inbox.empty()) return "approval by reply is switched off";
  const config::rule* rule = rule_of(c, r);
  if (!rule || rule->reply_decisions == config::reply_decisions::off)
    return "the rule of this request does not allow decisions by reply";
  if (verdict == reply_verdict::none) return "the reply holds no decision";
  if (rule->reply_decisions == config::reply_decisions::all || verdict == reply_verdict::deny)
    return "";
  if (r.emergency)
    return "an emergency access is confirmed on the web page or with the CLI, not by reply";
  if (r.window.length() > rule->default_duration)
    return "a window longer than the rule's default duration is approved on the web page or "
           "with the CLI, not by reply";
  return "";
}

}  // namespace gatehouse::mail
