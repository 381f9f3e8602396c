// The person's own view and commands over SSH (SPEC "SSH": `ssh alice@gate` lists grants and
// requests; `request`, `requests`, `grants`, `cancel`, `approve`, `deny`, `rdp-file`,
// `http-token` as exec commands that print to stdout and exit 0, or print the reason to stderr
// and exit 1): the daemon's service_own_commands (service_own_commands.hpp). Every action goes
// through the operations API as the person (which tells the gate service of every change).
#include "proxy/ssh/service_own_commands.hpp"

#include <algorithm>
#include <optional>

#include "apps/app_directory.hpp"
#include "apps/identity/http_tokens.hpp"
#include "core/duration.hpp"
#include "operations/filing_arguments.hpp"
#include "operations/operations.hpp"
#include "proxy/session/service_gate.hpp"
#include "proxy/ssh/login_name.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

namespace {

constexpr std::string_view usage =
    "Commands:\n"
    "  request ACCOUNT@SERVER --reason TEXT [--title T] [--start +1h|T] [--duration 2h|--until T]\n"
    "          [--approvers bob,carol] [--emergency]         file an access request\n"
    "  requests                                              your requests\n"
    "  grants                                                your access grants\n"
    "  cancel ID                                             cancel your pending request\n"
    "  approve ID [--comment TEXT] [--duration 2h]           approve a request\n"
    "  deny ID [--comment TEXT]                              deny a request\n"
    "  rdp-file SERVER [--valid 8h] [--reason TEXT]          a .rdp file for an RDP server\n"
    "          (--reason files the request ahead: RDP cannot ask for one)\n"
    "  http-token APP [--valid 8h]                           a bearer token for a web app\n";

time_point wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

command_result fail(const std::string& text) { return {1, {}, ascii_only(text) + "\n"}; }

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Positional words and --options; an option's value runs to the next --option, so that
// `--reason fix the disk` works even when the local shell removed the quotes.
struct parsed_args {
  std::vector<std::string> words;
  std::vector<std::pair<std::string, std::string>> options;
  std::optional<std::string> get(std::string_view name) const {
    for (const auto& [k, v] : options)
      if (k == name) return v;
    return std::nullopt;
  }
};

parsed_args parse(const std::vector<std::string>& args) {
  parsed_args out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].starts_with("--")) {
      std::string name = args[i].substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      } else {
        while (i + 1 < args.size() && !args[i + 1].starts_with("--"))
          value += (value.empty() ? "" : " ") + args[++i];
      }
      out.options.emplace_back(name, value);
    } else {
      out.words.push_back(args[i]);
    }
  }
  return out;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::string digits = text.starts_with("#") ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 15 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(digits);
}

std::string request_line(const policy::request& r) {
  std::string line = "  #" + std::to_string(r.id) + "  " + std::string(policy::to_string(r.state)) +
                     "  " + policy::targets_text(r);
  auto status = session::to_request_status(r);
  if (r.state == policy::request_state::pending && !status.waiting_for.empty())
    line += "  waiting for " + names(status.waiting_for);
  if (r.state == policy::request_state::denied && !status.decided_by.empty())
    line += "  by " + status.decided_by + (status.comment.empty() ? "" : ": " + status.comment);
  for (const auto& t : policy::targets_of(r))
    if (t.grant) line += "  grant #" + std::to_string(*t.grant);
  if (r.state == policy::request_state::pending && r.window.start > r.created)
    line += "  from " + format_rfc3339(r.window.start);  // a window that begins later
  if (!r.justification.empty()) line += "  \"" + r.justification + "\"";
  return ascii_only(line, false) + "\n";  // a person's text never drives the reader's terminal
}

std::string grant_line(const policy::grant& g, time_point now) {
  std::string line = "  #" + std::to_string(g.id) + "  " + g.account + "@" + g.server;
  if (g.live_at(now))
    line += "  until " + format_clock_time(g.end) + " (" +
            format_duration(std::chrono::duration_cast<std::chrono::seconds>(g.end - now)) +
            " left)";
  else if (g.state == policy::grant_state::active)
    line += "  from " + format_rfc3339(g.start) + " to " + format_rfc3339(g.end);
  else
    line += "  " + std::string(policy::to_string(g.state));
  return line + "\n";
}

// Files a request for `t` as `person` with the options of `a` (--reason, the window, chosen
// approvers, --emergency): `request` and `rdp-file --reason` alike.
policy::result<policy::request> file_from_args(operations::service& ops, const std::string& person,
                                               const policy::target& t, const parsed_args& a,
                                               std::vector<policy::request_target> more = {}) {
  policy::filing f;
  f.more_targets = std::move(more);
  f.justification = a.get("reason").value_or("");
  f.emergency = a.get("emergency").has_value();
  auto read = [&a](std::string_view name) -> policy::result<std::optional<std::string>> {
    return a.get(name);
  };
  if (auto done = operations::read_filing_arguments(read, wall_now(), f); !done) return done.err();
  return ops.file(operations::actor::person(person), t, f);
}

// `rdp-file SERVER [--reason TEXT]`: a .rdp file whose routing token names the person and the
// server. The gate decides when the client connects; a server the person may never reach is
// refused here. An RDP client cannot be asked for a reason, so `--reason` files the request
// ahead (a `justify` rule grants it at once; an `approve` rule waits for its approvers); the
// file goes to stdout, the request's line to stderr.
command_result rdp_file(operations::service& ops, const rdp_file_maker& make,
                        const std::string& person, const parsed_args& a) {
  if (a.words.size() != 1)
    return fail("usage: rdp-file SERVER [--valid 8h] [--reason TEXT [--duration 2h]]");
  auto valid = std::chrono::seconds(8 * 3600);
  if (auto v = a.get("valid")) {
    auto seconds = parse_duration(*v);
    if (!seconds) return fail("bad duration '" + *v + "' (use 30m, 2h, 1d)");
    valid = *seconds;
  }
  if (!make) return fail("RDP files are not available here");
  auto file = make(person, a.words[0], valid);
  if (!file.error.empty()) return fail(file.error);
  if (!a.get("reason")) return {0, file.text, {}};
  policy::target t{person, a.words[0], {}, config::protocol::rdp};
  auto filed = file_from_args(ops, person, t, a);
  if (!filed) return fail(filed.message());
  return {0, file.text, request_line(*filed)};
}

// `http-token APP`: a personal bearer token for a gated web app (curl, CI), shown once: the
// token alone on the first line (for scripts), then how to use it. The operation decides
// whether the person may have one and audits it.
command_result http_token(operations::service& ops, const std::string& person,
                          const parsed_args& a) {
  if (a.words.size() != 1) return fail("usage: http-token APP [--valid 8h]");
  std::chrono::seconds valid{0};  // the operation's default
  if (auto v = a.get("valid")) {
    auto seconds = parse_duration(*v);
    if (!seconds) return fail("bad duration '" + *v + "' (use 30m, 8h, 7d)");
    valid = *seconds;
  }
  const auto& app = a.words[0];
  auto issued = ops.issue_http_token(operations::actor::person(person), app, valid);
  if (!issued) return fail(issued.message());
  auto cfg = ops.config();
  auto url = cfg->listen.http ? apps::app_origin(*cfg->listen.http, app) + "/" : std::string();
  return {0,
          *issued + "\n\nA personal token for " + app + ", valid for " +
              format_duration(valid.count() ? valid : apps::default_http_token) +
              "; keep it secret. Send it as:\n  curl -H \"Authorization: Bearer " + *issued +
              "\" " + url + "\n",
          {}};
}

}  // namespace

std::string service_own_commands::own_view(const std::string& person) {
  auto now = wall_now();
  std::string out = "Gatehouse: " + person + "\n\nAccess grants:\n";
  policy::grant_filter gf;
  gf.person = person;
  gf.state = policy::grant_state::active;
  if (auto grants = ops_.list_grants(gf); grants && !grants->empty()) {
    for (const auto& g : *grants) out += grant_line(g, now);
  } else {
    out += "  none\n";
  }
  out += "\nYour requests (newest first):\n";
  policy::request_filter rf;
  rf.requester = person;
  rf.limit = 10;
  if (auto requests = ops_.list_requests(rf); requests && !requests->empty()) {
    for (const auto& r : *requests) out += request_line(r);
  } else {
    out += "  none\n";
  }
  policy::request_filter pf;
  pf.state = policy::request_state::pending;
  std::string mine;
  if (auto pending = ops_.list_requests(pf)) {
    for (const auto& r : *pending) {
      auto level = policy::current_level(r);
      if (level < r.levels.size() && policy::is_approver_at(r, person, level) &&
          !policy::has_decided(r, person, level) && r.requester != person)
        mine += "  #" + std::to_string(r.id) + "  " + r.requester + " -> " +
                policy::targets_text(r) +
                (r.justification.empty() ? "" : "  \"" + r.justification + "\"") + "\n";
    }
  }
  if (!mine.empty()) out += "\nWaiting for your decision:\n" + mine;
  out += "\n" + std::string(usage);
  return ascii_only(out, true);
}

command_result service_own_commands::run_command(const std::string& person,
                                                 const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help") return {0, own_view(person), {}};
  const auto as_person = operations::actor::person(person);
  auto a = parse(args);
  const auto& verb = args[0];
  auto id = a.words.empty() ? std::nullopt : parse_id(a.words[0]);

  if (verb == "request") {
    if (a.words.empty())
      return fail(
          "usage: request ACCOUNT@SERVER [ACCOUNT@SERVER...] --reason TEXT [--title T]"
          " [--start +1h|T] [--duration 2h|--until T] [--approvers bob,carol]");
    auto cfg = ops_.config();
    std::vector<policy::request_target> targets;  // several: decided together, granted each
    for (const auto& word : a.words) {
      auto parsed = parse_login_name(person + "@" + word);
      if (auto* e = std::get_if<std::string>(&parsed)) return fail(*e);
      auto resolved = resolve_login(*cfg, std::get<login_name>(parsed));
      if (auto* e = std::get_if<std::string>(&resolved)) return fail(*e);
      auto where = std::get<login_target>(resolved);
      targets.push_back({where.server->name, where.account->name, std::nullopt});
    }
    policy::target t{person, targets[0].server, targets[0].account, config::protocol::ssh};
    targets.erase(targets.begin());
    auto filed = file_from_args(ops_, person, t, a, std::move(targets));
    if (!filed) return fail(filed.message());
    return {0, request_line(*filed), {}};
  }
  if (verb == "rdp-file") return rdp_file(ops_, rdp_file_, person, a);
  if (verb == "http-token") return http_token(ops_, person, a);
  if (verb == "requests" || verb == "grants") {
    return {0, own_view(person), {}};
  }
  if (verb == "cancel" || verb == "approve" || verb == "deny") {
    if (!id) return fail("usage: " + verb + " ID");
    policy::result<policy::request> done = policy::make_error(policy::error_code::invalid, "");
    auto comment = a.get("comment").value_or("");
    if (verb == "cancel") {
      done = ops_.cancel(as_person, *id);
    } else if (verb == "deny") {
      done = ops_.deny(as_person, *id, comment);
    } else {
      policy::approval ap;
      ap.comment = comment;
      if (auto d = a.get("duration")) {
        auto seconds = parse_duration(*d);
        if (!seconds) return fail("bad duration '" + *d + "' (use 30m, 2h, 1d)");
        ap.duration = *seconds;
      }
      done = ops_.approve(as_person, *id, ap);
    }
    if (!done) return fail(done.message());
    return {0, request_line(*done), {}};
  }
  return {1, {}, "unknown command '" + ascii_only(verb) + "'\n" + std::string(usage)};
}

}  // namespace gatehouse::proxy::ssh
