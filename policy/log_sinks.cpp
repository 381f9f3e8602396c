// log_audit_sink and log_notifier: the logging stand-ins for the audit log and the mailer.
#include <spdlog/spdlog.h>

#include "policy/audit_sink.hpp"
#include "policy/notifier.hpp"

namespace gatehouse::policy {

namespace {
std::string names(const std::vector<std::string>& people) {
  std::string out;
  for (const auto& p : people) out += (out.empty() ? "" : ",") + p;
  return out;
}
}  // namespace

std::string log_audit_sink::line(const audit_event& event) {
  std::string out = "audit " + event.name;
  for (const auto& [key, value] : event.fields) out += " " + key + "=" + value;
  return out;
}

void log_audit_sink::record(const audit_event& event) { spdlog::info("{}", line(event)); }

bool log_notifier::ask_approvers(const request& r, std::size_t level,
                                 const std::vector<std::string>& people, std::string_view) {
  spdlog::info("notify: request #{} level {} awaits {}", r.id, level + 1, names(people));
  return true;
}

bool log_notifier::tell_requester(const request& r, happening_kind what, const std::string& by,
                                  const std::string& comment, std::string_view) {
  spdlog::info("notify: {} of request #{}: {} by {} {}", r.requester, r.id, audit_name(what),
               by.empty() ? "gatehouse" : by, comment);
  return true;
}

bool notifier::ask_fulfillers(const request& r, const std::vector<std::string>& fulfillers,
                              std::string_view) {
  for (const auto& person : fulfillers)
    spdlog::info("notify {}: request #{} for {} is approved and waits for fulfilment", person, r.id,
                 r.server);
  return true;
}

bool log_notifier::tell_emergency(const request& r, const std::vector<std::string>& approvers,
                                  std::string_view) {
  spdlog::warn("notify: emergency access by {} to {}@{} (request #{}); told {}", r.requester,
               r.account, r.server, r.id, names(approvers));
  return true;
}

}  // namespace gatehouse::policy
