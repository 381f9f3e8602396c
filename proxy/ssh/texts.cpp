#include "proxy/ssh/texts.hpp"

#include <algorithm>

#include "core/duration.hpp"
#include "core/untrusted_text.hpp"

namespace gatehouse::proxy::ssh {

std::string ascii_only(std::string_view text, bool keep_newlines) {
  // Control characters and bytes that are not UTF-8 are shown (\x1B), never sent as they are;
  // every other character outside ASCII is one '?'.
  std::string spaced(text);
  std::replace(spaced.begin(), spaced.end(), '\t', ' ');
  auto visible = visible_text(spaced, keep_newlines ? line_breaks::keep : line_breaks::escape);
  std::string out;
  out.reserve(visible.size());
  for (char c : visible) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80)
      out += c;
    else if ((u & 0xC0) != 0x80)  // the first byte of a character
      out += '?';
  }
  return out;
}

std::string target_text(const session::target& t) { return t.account + "@" + t.server; }

namespace {

std::string request_label(std::int64_t id) { return "Request #" + std::to_string(id); }

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& n : list) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::string hold_status_line(const request_status& r, std::chrono::seconds waited) {
  std::string who = r.waiting_for.empty() ? "" : " by " + names(r.waiting_for);
  return ascii_only(request_label(r.id) + " is waiting for approval" + who + " (" +
                    format_duration(waited) + ") ...");
}

std::string request_outcome_text(const request_status& r) {
  std::string text = request_label(r.id);
  switch (r.state) {
    case request_state::denied:
      text += " denied";
      if (!r.decided_by.empty()) text += " by " + r.decided_by;
      if (!r.comment.empty()) text += ": " + r.comment;
      break;
    case request_state::expired: text += " expired without a decision"; break;
    case request_state::cancelled: text += " was cancelled"; break;
    case request_state::approved: text += " was approved"; break;
    case request_state::pending: text += " is still pending"; break;
  }
  return ascii_only(text);
}

std::string hold_timeout_text(std::int64_t request_id, std::chrono::seconds waited) {
  return request_label(request_id) + " timed out after " + format_duration(waited) +
         " waiting for approval; it stays pending: connect again once it is approved";
}

std::string grant_end_text(const grant_status& g, const session::target& t) {
  std::string text = "Access grant #" + std::to_string(g.id) + " for " + target_text(t);
  if (g.revoked) {
    text += " revoked";
    if (!g.revoked_by.empty()) text += " by " + g.revoked_by;
    text += " at " + format_clock_time(g.at);
  } else {
    text += " ended at " + format_clock_time(g.at);
  }
  return ascii_only(text);
}

std::string grant_warning_text(std::int64_t grant, const session::target& t, std::chrono::minutes left,
                               time_point end) {
  auto n = left.count();
  return "Access grant #" + std::to_string(grant) + " for " + target_text(t) + " ends in " +
         std::to_string(n) + (n == 1 ? " minute" : " minutes") + " (" + format_clock_time(end) +
         ")";
}

std::string refusal_text(const session::refusal& r, const session::target& t, bool justified) {
  using session::front_end_refusal;
  const auto* mine = std::get_if<front_end_refusal>(&r.reason);
  if (mine == nullptr) {  // the policy's denial
    std::string why = r.text;
    if (why.empty() && justified) why = "the justification was not accepted";
    return "Access to " + target_text(t) + " denied: " + why;
  }
  auto id = r.request ? r.request->id : 0;
  switch (*mine) {
    case front_end_refusal::request_not_filed:
      return "Cannot file an access request for " + target_text(t) + ": " + r.text;
    case front_end_refusal::request_denied:
    case front_end_refusal::request_expired:
    case front_end_refusal::request_cancelled:
      return r.request ? request_outcome_text(*r.request) : r.text;
    case front_end_refusal::hold_timeout: return hold_timeout_text(id, r.waited);
    case front_end_refusal::approval_gives_no_access:
      return request_label(id) + " was approved, but it gives no access to " + target_text(t) +
             " now";
    case front_end_refusal::justification_not_accepted:
      return "Access to " + target_text(t) + " denied: the justification was not accepted";
    case front_end_refusal::audit_unavailable: return audit_unavailable;
    case front_end_refusal::store_unreachable:
      return "Cannot connect to " + target_text(t) + ": " + r.text;
    default: return r.text;  // the cap's sentence, the front end's own
  }
}

std::string justification_prompt(const session::target& t) {
  return ascii_only("Justification for " + target_text(t) + ": ");
}

std::string justification_banner(const session::target& t, std::string_view gate) {
  std::string host(gate), port;
  if (auto colon = gate.rfind(':'); colon != std::string_view::npos) {
    host = std::string(gate.substr(0, colon));
    port = std::string(gate.substr(colon + 1));
  }
  if (host.empty()) host = "GATE";
  std::string ssh = port.empty() || port == "22" ? "ssh " : "ssh -p " + port + " ";
  return ascii_only("Access to " + target_text(t) +
                        " needs a justification.\n"
                        "Clients that cannot answer a prompt (BatchMode, scp, rsync, git) can "
                        "file it ahead:\n  " +
                        ssh + t.person + "@" + host + " request " + target_text(t) +
                        " --reason \"...\"\n",
                    true);
}

}  // namespace gatehouse::proxy::ssh
