#include "web/request_history.hpp"

#include <charconv>

#include "audit/query.hpp"
#include "core/time.hpp"
#include "web/forms.hpp"

namespace gatehouse::web {

std::optional<request_history_filter> request_history_filter_from(std::string_view url_query,
                                                                  std::string& error) {
  request_history_filter f;
  for (const auto& [key, value] : parse_form(url_query)) {
    if (value.empty()) continue;
    if (key == "person") {
      f.store.requester = value;
    } else if (key == "server") {
      f.store.server = value;
    } else if (key == "state") {
      f.store.state = policy::parse_request_state(value);
      if (!f.store.state) {
        error = "state: not a request state: " + value;
        return std::nullopt;
      }
    } else if (key == "emergency") {
      f.emergency_only = value != "0" && value != "false";
    } else if (key == "request") {
      policy::request_id id = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
      if (ec != std::errc{} || p != value.data() + value.size() || id <= 0) {
        error = "request: not a request number: " + value;
        return std::nullopt;
      }
      f.id = id;
    }
  }
  return f;
}

bool matches(const request_history_filter& f, const policy::request& r) {
  return (!f.emergency_only || r.emergency) && (!f.id || r.id == *f.id);
}

std::string decided_by(const policy::request& r) {
  std::string out;
  for (const auto& d : r.decisions) {
    out += (out.empty() ? "" : "; ") + d.approver + " (" +
           std::string(policy::to_string(d.verdict)) + ")";
    if (!d.comment.empty()) out += ": " + d.comment;
  }
  return out;
}

std::string record_text(const policy::comment_record& c) {
  using policy::record_kind;
  std::string out;
  switch (c.kind) {
    case record_kind::comment: return c.author + ": " + c.text;
    case record_kind::reassigned: out = "reassigned by " + c.author; break;
    case record_kind::revoked: out = "revoked by " + c.author; break;
    case record_kind::grant_ended: out = "grant ended"; break;
    case record_kind::fulfilled: out = "fulfilled by " + c.author; break;
    case record_kind::fulfilment_failed: out = "fulfilment failed by " + c.author; break;
  }
  return c.text.empty() ? out : out + ": " + c.text;
}

std::string request_csv_header() {
  return "id,requester,server,account,protocol,emergency,justification,state,post_approval,"
         "window_start,window_end,created,updated,decisions,comments,grant\r\n";
}

std::string request_csv_row(const policy::request& r) {
  std::string comments;
  for (const auto& c : r.comments) comments += (comments.empty() ? "" : "; ") + record_text(c);
  const std::string fields[] = {std::to_string(r.id),
                                r.requester,
                                r.server,
                                r.account,
                                std::string(policy::to_string(r.protocol)),
                                r.emergency ? "true" : "false",
                                r.justification,
                                std::string(policy::to_string(r.state)),
                                std::string(policy::to_string(r.post_approval)),
                                format_rfc3339(r.window.start),
                                format_rfc3339(r.window.end),
                                format_rfc3339(r.created),
                                format_rfc3339(r.updated),
                                decided_by(r),
                                comments,
                                r.grant ? std::to_string(*r.grant) : std::string()};
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + audit::csv_field(f);
  return out + "\r\n";
}

}  // namespace gatehouse::web
