#include "cli/audit_verb.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <variant>

#include "audit/anchor.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "cli/admin_client.hpp"
#include "core/duration.hpp"
#include "core/json_text.hpp"
#include "core/time.hpp"
#include "core/untrusted_text.hpp"

namespace gatehouse::cli {

namespace json = boost::json;

namespace {

int usage() {
  std::fprintf(stderr, "gatehouse: usage: gatehouse %s\n", audit_synopsis);
  return 2;
}

// A GET to the daemon; the parsed answer, or nullopt after printing why (exit code in `code`).
std::optional<json::value> ask_daemon(const arguments& args, const std::string& target, int& code) {
  std::string error;
  auto response = call_admin(args.socket, "GET", target, "", error);
  if (!response) {
    std::fprintf(stderr, "gatehouse: %s\n", error.c_str());
    code = 1;
    return std::nullopt;
  }
  std::error_code ec;
  auto answer = json_parse_text(response->body, ec);
  if (ec) {
    std::fprintf(stderr, "gatehouse: the daemon answered something that is not JSON\n");
    code = 1;
    return std::nullopt;
  }
  if (response->status >= 400) {
    const auto* obj = answer.if_object();
    const auto* msg = obj ? obj->if_contains("error") : nullptr;
    std::fprintf(stderr, "gatehouse: %s\n",
                 visible_text(msg && msg->is_string() ? std::string_view(msg->get_string())
                                                      : std::string_view(response->body))
                     .c_str());
    code = response->status == 400 ? 2 : 1;
    return std::nullopt;
  }
  return answer;
}

int verify(const arguments& args) {
  std::vector<std::string> files(args.positional.begin() + 1, args.positional.end());
  json::object result;
  auto key_file = args.option("--key");
  if (!files.empty()) {
    // The files as given; the signed head file beside the last; MACs checked with --key.
    audit::verify_options options;
    if (key_file) {
      auto key = audit::load_signing_key(*key_file);
      if (auto* why = std::get_if<1>(&key)) {
        std::fprintf(stderr, "gatehouse: %s\n", why->c_str());
        return 2;
      }
      options.key = std::move(std::get<0>(key));
    }
    options.head_file = audit::head_file_path(files.back());
    auto r = audit::verify_files(files, options);
    result = {{"intact", r.intact}, {"lines", r.lines}, {"summary", r.summary()}};
    if (!r.intact) {
      result["file"] = r.file;
      result["line"] = r.line;
      result["problem"] = r.problem;
    }
  } else {
    if (key_file) {
      std::fprintf(stderr,
                   "gatehouse: --key goes with FILE...; the daemon verifies its log with its own "
                   "audit.signing_key\n");
      return 2;
    }
    int code = 0;
    auto answer = ask_daemon(args, "/v1/audit/verify", code);
    if (!answer) return code;
    if (!answer->is_object()) return 1;
    result = answer->as_object();
  }
  bool intact = result["intact"].is_bool() && result["intact"].as_bool();
  if (args.has("--json")) {
    std::printf("%s\n", json_serialize(result).c_str());
  } else {
    auto summary = result["summary"].is_string() ? std::string(result["summary"].as_string()) : "";
    std::fprintf(intact ? stdout : stderr, "%s%s\n", intact ? "" : "gatehouse: ", summary.c_str());
  }
  return intact ? 0 : 1;
}

// --since/--until: RFC 3339, or a duration meaning that long ago ("2h").
std::optional<std::string> time_option(const std::string& text) {
  if (parse_rfc3339(text)) return text;
  if (auto d = parse_duration(text)) {
    auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return format_rfc3339(now - *d);
  }
  return std::nullopt;
}

}  // namespace

int run_audit_verb(const arguments& args) {
  if (!args.positional.empty() && args.positional[0] == "verify") return verify(args);
  if (!args.positional.empty()) return usage();
  std::string query;
  auto add = [&query](const std::string& key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + key + "=" + query_escape(value);
  };
  for (const char* name : {"person", "server", "event", "request", "session", "limit"})
    if (auto v = args.option(std::string("--") + name)) add(name, *v);
  for (const char* name : {"since", "until"}) {
    if (auto v = args.option(std::string("--") + name)) {
      auto t = time_option(*v);
      if (!t) {
        std::fprintf(stderr, "gatehouse: --%s: expected an RFC 3339 time or a duration (2h)\n",
                     name);
        return 2;
      }
      add(name, *t);
    }
  }
  if (args.has("--emergency")) add("emergency", "1");
  auto format = args.option("--format").value_or("jsonl");
  if (format != "jsonl" && format != "csv") return usage();
  int code = 0;
  auto answer = ask_daemon(args, "/v1/audit" + query, code);
  if (!answer) return code;
  if (!answer->is_array()) return 1;
  if (args.has("--json")) {
    std::printf("%s\n", json_serialize(*answer).c_str());
    return 0;
  }
  if (format == "csv") std::fputs(audit::csv_header().c_str(), stdout);
  for (const auto& e : answer->as_array()) {
    if (!e.is_object()) continue;
    if (format == "csv")
      std::fputs(audit::csv_row(e.as_object()).c_str(), stdout);
    else
      std::printf("%s\n", json_serialize(e).c_str());
  }
  return 0;
}

}  // namespace gatehouse::cli
