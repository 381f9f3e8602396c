#include "cli/verbs.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <map>

#include "cli/admin_client.hpp"
#include "cli/audit_verb.hpp"
#include "cli/printing.hpp"
#include "core/json_text.hpp"
#include "core/untrusted_text.hpp"

namespace gatehouse::cli {

namespace json = boost::json;

namespace {

struct call {
  std::string method;
  std::string target;
  json::object body;
};

struct verb {
  std::string synopsis;
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  std::function<call(const arguments&)> make_call;
  std::function<void(const json::value&)> print;  // human output
};

// Options every verb may carry into its request body.
void add_common(json::object& body, const arguments& a) {
  if (auto as = a.option("--as")) body["as"] = *as;
}

// "--comment", "--duration", "--until", "--reason", "--to", "--start", ... → body fields.
void copy_options(json::object& body, const arguments& a,
                  std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto v = a.option(n)) body[std::string(n + 2)] = *v;
}

call post_on_request(const arguments& a, const std::string& action,
                     std::initializer_list<const char*> names) {
  call c{"POST", "/v1/requests/" + query_escape(a.positional.at(0)) + "/" + action, {}};
  add_common(c.body, a);
  copy_options(c.body, a, names);
  return c;
}

const std::map<std::string, verb>& verbs() {
  static const std::map<std::string, verb> table = {
      {"status",
       {"status", 0, 0,
        [](const arguments&) {
          return call{"GET", "/v1/status", {}};
        },
        print_status}},
      {"reload",
       {"reload", 0, 0,
        [](const arguments& a) {
          call c{"POST", "/v1/reload", {}};
          add_common(c.body, a);
          return c;
        },
        [](const json::value&) { std::printf("configuration reloaded\n"); }}},
      {"requests",
       {"requests [--state pending|approved|denied|expired|cancelled]", 0, 0,
        [](const arguments& a) {
          std::string target = "/v1/requests";
          if (auto st = a.option("--state")) target += "?state=" + query_escape(*st);
          return call{"GET", target, {}};
        },
        print_requests}},
      {"show",
       {"show ID", 1, 1,
        [](const arguments& a) {
          return call{"GET", "/v1/requests/" + query_escape(a.positional[0]), {}};
        },
        print_request}},
      {"approve",
       {"approve ID [--comment C] [--until T|--duration D] [--as USER]", 1, 1,
        [](const arguments& a) {
          return post_on_request(a, "approve", {"--comment", "--until", "--duration"});
        },
        print_request_outcome}},
      {"deny",
       {"deny ID [--comment C] [--as USER]", 1, 1,
        [](const arguments& a) { return post_on_request(a, "deny", {"--comment"}); },
        print_request_outcome}},
      {"cancel",
       {"cancel ID [--as USER]", 1, 1,
        [](const arguments& a) { return post_on_request(a, "cancel", {}); },
        print_request_outcome}},
      {"comment",
       {"comment ID TEXT [--as USER]", 2, 2,
        [](const arguments& a) {
          call c = post_on_request(a, "comment", {});
          c.body["text"] = a.positional[1];
          return c;
        },
        print_request_outcome}},
      {"reassign",
       {"reassign ID --to USER --as USER", 1, 1,
        [](const arguments& a) { return post_on_request(a, "reassign", {"--to"}); },
        print_request_outcome}},
      {"fulfil",
       {"fulfil ID --evidence T | --failed --comment T [--as USER]", 1, 1,
        [](const arguments& a) {
          return a.has("--failed") ? post_on_request(a, "fulfil_failed", {"--comment"})
                                   : post_on_request(a, "fulfil", {"--evidence"});
        },
        print_request_outcome}},
      {"request",
       {"request ACCOUNT@SERVER [ACCOUNT@SERVER...] --for PERSON --reason R [--title T]"
        " [--start T|+2h] [--duration D|--until T] [--approvers A,B] [--emergency]",
        1, 64,  // the daemon refuses more than one request may name
        [](const arguments& a) {
          call c{"POST", "/v1/requests", {}};
          add_common(c.body, a);
          copy_options(
              c.body, a,
              {"--for", "--reason", "--title", "--start", "--duration", "--until", "--approvers"});
          c.body["target"] = a.positional[0];
          if (a.positional.size() > 1) {  // several targets, decided together
            json::array all;
            for (const auto& t : a.positional) all.emplace_back(t);
            c.body["targets"] = std::move(all);
          }
          c.body["emergency"] = a.has("--emergency");
          return c;
        },
        print_request_outcome}},
      {"http-token",
       {"http-token APP --for PERSON [--valid 8h]", 1, 1,
        [](const arguments& a) {
          call c{"POST", "/v1/http-tokens", {}};
          copy_options(c.body, a, {"--for", "--valid"});
          c.body["app"] = a.positional[0];
          return c;
        },
        print_http_token}},
      {"grants",
       {"grants [--state active|ended|revoked]", 0, 0,
        [](const arguments& a) {
          std::string target = "/v1/grants";
          if (auto st = a.option("--state")) target += "?state=" + query_escape(*st);
          return call{"GET", target, {}};
        },
        print_grants}},
      {"revoke",
       {"revoke GRANT_ID [--comment C] [--as USER]", 1, 1,
        [](const arguments& a) {
          call c{"POST", "/v1/grants/" + query_escape(a.positional[0]) + "/revoke", {}};
          add_common(c.body, a);
          copy_options(c.body, a, {"--comment"});
          return c;
        },
        print_grant_outcome}},
      {"sessions",
       {"sessions", 0, 0,
        [](const arguments&) {
          return call{"GET", "/v1/sessions", {}};
        },
        print_sessions}},
      {"ca",
       {"ca export   (the TrustedUserCAKeys lines for servers on certificates)", 1, 1,
        [](const arguments& a) {
          // Any other word asks for an endpoint that does not exist: the daemon says so.
          return call{
              "GET",
              a.positional[0] == "export" ? "/v1/ca" : "/v1/ca/" + query_escape(a.positional[0]),
              {}};
        },
        print_trusted_ca_keys}},
      {"kill",
       {"kill SESSION_ID [--as USER]", 1, 1,
        [](const arguments& a) {
          call c{"POST", "/v1/sessions/" + query_escape(a.positional[0]) + "/kill", {}};
          add_common(c.body, a);
          return c;
        },
        [](const json::value&) { std::printf("session ended\n"); }}},
  };
  return table;
}

}  // namespace

std::string usage_text() {
  std::string out = "usage: gatehouse [--socket PATH] VERB [ARGS] [--json] [--as USER]\nverbs:\n";
  for (const auto& [name, v] : verbs()) out += "  " + v.synopsis + "\n";
  out += "  " + std::string(audit_synopsis) + "\n";
  return out;
}

int run_verb(const arguments& args) {
  if (args.verb == "audit") return run_audit_verb(args);
  auto it = verbs().find(args.verb);
  if (it == verbs().end()) {
    std::fprintf(stderr, "gatehouse: unknown verb '%s'\n%s", args.verb.c_str(),
                 usage_text().c_str());
    return 2;
  }
  const verb& v = it->second;
  if (args.positional.size() < v.min_args || args.positional.size() > v.max_args) {
    std::fprintf(stderr, "gatehouse: usage: gatehouse %s\n", v.synopsis.c_str());
    return 2;
  }
  call c = v.make_call(args);
  std::string error;
  auto response = call_admin(args.socket, c.method, c.target,
                             c.body.empty() ? "" : json_serialize(c.body), error);
  if (!response) {
    std::fprintf(stderr, "gatehouse: %s\n", error.c_str());
    return 1;
  }
  json::value answer;
  std::error_code ec;
  answer = json_parse_text(response->body, ec);
  if (ec) {
    std::fprintf(stderr, "gatehouse: the daemon answered something that is not JSON\n");
    return 1;
  }
  if (response->status >= 400) {
    const auto* obj = answer.if_object();
    const auto* msg = obj ? obj->if_contains("error") : nullptr;
    std::string text = msg && msg->is_string() ? std::string(msg->get_string()) : response->body;
    if (args.has("--json")) std::printf("%s\n", response->body.c_str());
    std::fprintf(stderr, "gatehouse: %s\n", visible_text(text).c_str());
    return response->status == 400 ? 2 : 1;
  }
  if (args.has("--json")) {
    std::printf("%s\n", json_serialize(answer).c_str());
  } else {
    v.print(answer);
  }
  return 0;
}

}  // namespace gatehouse::cli
