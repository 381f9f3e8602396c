#include "admin/audit_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "admin/router.hpp"
#include "audit/log_files.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "core/json_text.hpp"
#include "core/web_text.hpp"

namespace gatehouse::admin {

namespace json = boost::json;

namespace {

// Lenient: a malformed escape is kept as written.
std::string percent_decode(std::string_view s) { return url_decode(s).value_or(std::string(s)); }

std::vector<std::pair<std::string, std::string>> parameters(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (!pair.empty())
      out.emplace_back(percent_decode(pair.substr(0, eq)),
                       eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return out;
}

json::object verify_object(const audit::verify_result& r) {
  json::array notes;
  for (const auto& n : r.notes) notes.emplace_back(n);
  json::object o{{"intact", r.intact},        {"lines", r.lines},
                 {"first_seq", r.first_seq},  {"last_seq", r.last_seq},
                 {"last_hash", r.last_hash},  {"checkpoints", r.checkpoints},
                 {"notes", std::move(notes)}, {"summary", r.summary()}};
  if (!r.intact) {
    o["file"] = r.file;
    o["line"] = r.line;
    o["problem"] = r.problem;
  }
  return o;
}

}  // namespace

std::optional<http_reply> handle_audit_route(
    const std::string& log_path, const http_request& request,
    const std::function<audit::verify_options()>& verify_options) {
  std::string_view target = request.target;
  std::string query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  if (target != "/v1/audit" && target != "/v1/audit/verify") return std::nullopt;
  if (request.method != "GET") return error_reply(405, "use GET");
  if (log_path.empty()) return error_reply(404, "no audit log is configured (audit.log)");
  http_reply reply;
  if (target == "/v1/audit/verify") {
    // The daemon's head is taken now: the files hold it (and maybe more) when they are read.
    auto options = verify_options ? verify_options() : audit::verify_options{};
    reply.off_thread = [log_path, options = std::move(options)] {
      auto r = audit::verify_files(audit::chain_files(log_path), options);
      return http_reply{200, json_serialize(verify_object(r))};
    };
    return reply;
  }
  reply.off_thread = [log_path, query = std::move(query)] {
    std::string error;
    auto q = audit::query_from_parameters(parameters(query), error);
    if (!q) return error_reply(400, error);
    auto found = audit::find_events(audit::chain_files(log_path), *q, error);
    if (!error.empty()) return error_reply(500, error);
    json::array out;
    for (auto& e : found) out.emplace_back(std::move(e));
    return http_reply{200, json_serialize(out)};
  };
  return reply;
}

}  // namespace gatehouse::admin
