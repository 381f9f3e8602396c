#include "mail/notification_mail.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/duration.hpp"
#include "mail/mime.hpp"
#include "mail/reply_reader.hpp"
#include "policy/recording_access.hpp"

namespace gatehouse::mail {

namespace {

struct action {
  std::string label;
  std::string url;
};

// One mail's content before it becomes text and HTML: both renderings come from here, so the
// two parts always say the same.
struct body {
  std::string heading;
  std::vector<std::string> intro;
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<action> actions;
  std::vector<std::string> commands;  // shell commands that decide, when there are no links
};

std::string subject(const mail_context& ctx, std::string_view what, policy::request_id id) {
  return ctx.instance_name + " - " + std::string(what) + " - #" + std::to_string(id);
}

// What a request is for, in a sentence: "root@web01", "win01", or for a request to view a
// recording "the recording of alice's session ssh-1".
std::string target(const policy::request& r) {
  if (policy::is_recording_request(r))
    return "the recording of " + r.account + "'s session " +
           r.server.substr(policy::recording_prefix.size());
  return policy::targets_text(r);  // every target of a request of several
}

std::string window_text(const policy::time_window& w) {
  auto length = std::chrono::duration_cast<std::chrono::seconds>(w.length());
  return format_rfc3339(w.start) + " to " + format_rfc3339(w.end) + " (" + format_duration(length) +
         ")";
}

std::string actor(const std::string& by) { return by.empty() ? "gatehouse" : by; }

void add_request_facts(body& b, const policy::request& r) {
  b.facts.emplace_back("Request", "#" + std::to_string(r.id));
  if (!r.title.empty()) b.facts.emplace_back("Title", r.title);
  b.facts.emplace_back("Requester", r.requester);
  if (!r.filed_by.empty() && r.filed_by != r.requester)
    b.facts.emplace_back("Filed by", r.filed_by);
  b.facts.emplace_back("Server", r.server);
  b.facts.emplace_back("Account", r.account);
  if (!r.more_targets.empty())  // decided together, granted per target
    b.facts.emplace_back("Targets", policy::targets_text(r));
  b.facts.emplace_back("Protocol", std::string(policy::to_string(r.protocol)));
  b.facts.emplace_back("Window", window_text(r.window));
  b.facts.emplace_back("Justification", r.justification);
  b.facts.emplace_back("Emergency", r.emergency ? "yes - access was taken at once; approvers "
                                                  "review it after the fact"
                                                : "no");
}

void add_decide_commands(body& b, const mail_context& ctx, const policy::request& r,
                         const std::string& approver) {
  const std::string id = std::to_string(r.id);
  b.commands.push_back("gatehouse approve " + id + " --as " + approver + " --comment \"ok\"");
  b.commands.push_back("gatehouse deny " + id + " --as " + approver + " --comment \"why\"");
  if (!ctx.ssh_host.empty()) {
    std::string ssh = "ssh ";
    std::string host = ctx.ssh_host;
    if (host.starts_with("-p ")) {
      auto space = host.find(' ', 3);
      ssh += host.substr(0, space) + " ";
      host = space == std::string::npos ? "" : host.substr(space + 1);
    }
    b.commands.push_back(ssh + approver + "@" + host + " approve " + id + " --comment \"ok\"");
    b.commands.push_back(ssh + approver + "@" + host + " deny " + id + " --comment \"why\"");
  }
}

std::string render_text(const body& b, const mail_context& ctx) {
  std::string out = b.heading + "\n\n";
  for (const auto& p : b.intro) out += p + "\n\n";
  std::size_t width = 0;
  for (const auto& [label, value] : b.facts) width = std::max(width, label.size());
  for (const auto& [label, value] : b.facts) {
    std::string indent(width + 4, ' ');
    out += "  " + label + ":" + std::string(width - label.size() + 1, ' ');
    for (char c : value) {
      out += c;
      if (c == '\n') out += indent;
    }
    out += "\n";
  }
  if (!b.actions.empty()) out += "\n";
  for (const auto& a : b.actions) out += a.label + ":\n  " + a.url + "\n";
  if (!b.commands.empty()) {
    out += "\nTo decide, run one of these (on the gate host, or over SSH):\n";
    for (const auto& c : b.commands) out += "  " + c + "\n";
  }
  out += "\n-- \n" + ctx.instance_name + " (Gatehouse)\n";
  return out;
}

std::string render_html(const body& b, const mail_context& ctx, const std::string& title) {
  auto esc = [](const std::string& s) {
    std::string out;
    for (char c : html_escape(s)) {
      if (c == '\n')
        out += "<br>";
      else
        out += c;
    }
    return out;
  };
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      esc(title) +
      "</title>\n</head>\n"
      "<body style=\"margin:0;padding:16px;font-family:-apple-system,'Segoe UI',Roboto,"
      "Helvetica,Arial,sans-serif;color:#1f2328;background:#f6f8fa\">\n"
      "<div style=\"max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;"
      "border-radius:6px;padding:20px\">\n<h2 style=\"margin-top:0;font-size:20px\">" +
      esc(b.heading) + "</h2>\n";
  for (const auto& p : b.intro) out += "<p>" + esc(p) + "</p>\n";
  out += "<table style=\"border-collapse:collapse;width:100%\">\n";
  for (const auto& [label, value] : b.facts)
    out +=
        "<tr><th style=\"text-align:left;vertical-align:top;padding:4px 12px 4px 0;"
        "white-space:nowrap;color:#57606a\">" +
        esc(label) + "</th><td style=\"padding:4px 0\">" + esc(value) + "</td></tr>\n";
  out += "</table>\n";
  if (!b.actions.empty()) {
    out += "<p style=\"margin-top:20px\">\n";
    for (const auto& a : b.actions) {
      const bool deny = a.label.starts_with("Deny");
      const bool primary = a.label.starts_with("Approve") || deny;
      std::string style = primary ? std::string(
                                        "display:inline-block;padding:8px 16px;margin:0 "
                                        "8px 8px 0;border-radius:6px;color:#ffffff;"
                                        "text-decoration:none;background:") +
                                        (deny ? "#cf222e" : "#1f883d")
                                  : "display:inline-block;margin:0 8px 8px 0;color:#0969da";
      out += "<a href=\"" + esc(a.url) + "\" style=\"" + style + "\">" + esc(a.label) + "</a>\n";
    }
    out += "</p>\n";
  }
  if (!b.commands.empty()) {
    out +=
        "<p>To decide, run one of these (on the gate host, or over SSH):</p>\n<pre "
        "style=\"background:#f6f8fa;padding:8px;border-radius:6px;white-space:pre-wrap\">";
    for (const auto& c : b.commands) out += esc(c) + "\n";
    out += "</pre>\n";
  }
  out += "<p style=\"color:#57606a;font-size:12px;margin-bottom:0\">" + esc(ctx.instance_name) +
         " (Gatehouse)</p>\n</div>\n</body>\n</html>\n";
  return out;
}

mail_content finish(const mail_context& ctx, std::string subject_line, body b) {
  // Justifications, comments and names come from people: no control character of theirs
  // reaches a reader's terminal (the text part) or page (the HTML part) as such.
  for (auto& p : b.intro) p = body_safe(p);
  for (auto& [label, value] : b.facts) value = body_safe(value);
  mail_content m;
  m.text = render_text(b, ctx);
  m.html = render_html(b, ctx, subject_line);
  m.subject = std::move(subject_line);
  return m;
}

void add_request_link(body& b, const std::string& request_url) {
  if (!request_url.empty()) b.actions.push_back({"View the request", request_url});
}

}  // namespace

std::string decision_link(const std::string& approval_url, policy::verdict v) {
  const char separator = approval_url.find('?') == std::string::npos ? '?' : '&';
  return approval_url + separator + "decision=" + std::string(policy::to_string(v));
}

mail_content approver_mail(const mail_context& ctx, const policy::request& r, std::size_t level,
                           const std::string& approver, const std::string& approval_url,
                           const std::string& request_url, const std::string& reply_token) {
  body b;
  b.heading = "Connection approval needed";
  b.intro.push_back(r.requester + " asks for " + target(r) + " (" +
                    std::string(policy::to_string(r.protocol)) + "), request #" +
                    std::to_string(r.id) + ". You are an approver at level " +
                    std::to_string(level + 1) + ".");
  add_request_facts(b, r);
  std::string level_text = std::to_string(level + 1) + " of " + std::to_string(r.levels.size());
  if (level < r.levels.size())
    level_text += r.levels[level].condition == config::condition::all
                      ? " (every approver of this level decides)"
                      : " (one approver of this level decides)";
  b.facts.emplace_back("Approver level", level_text);
  if (!approval_url.empty()) {
    b.actions.push_back({"Approve", decision_link(approval_url, policy::verdict::approve)});
    b.actions.push_back({"Deny", decision_link(approval_url, policy::verdict::deny)});
  }
  add_request_link(b, request_url);
  if (approval_url.empty()) add_decide_commands(b, ctx, r, approver);
  std::string subject_line = subject(ctx, "Connection Approval Notification", r.id);
  if (!reply_token.empty()) {
    b.intro.push_back(
        "You may also reply to this mail with APPROVE or DENY as the first line of your reply "
        "(the rest of that line is your comment). Keep the subject as it is.");
    subject_line += " " + subject_marker(reply_token);
  }
  return finish(ctx, std::move(subject_line), b);
}

mail_content decision_mail(const mail_context& ctx, const policy::request& r,
                           policy::happening_kind what, const std::string& by,
                           const std::string& comment, const std::string& request_url,
                           const std::vector<mail_link>& open) {
  using policy::happening_kind;
  const std::string id = "#" + std::to_string(r.id);
  const std::string who = actor(by);
  std::string title;
  std::string decision;
  std::string sentence;
  switch (what) {
    case happening_kind::request_approved:
      title = "Connection Request Approved";
      decision = "approved by " + who;
      sentence = r.emergency
                     ? "The emergency access you took under request " + id + " to " + target(r) +
                           " was confirmed by " + who + "."
                     : "Your request " + id + " for " + target(r) + " was approved by " + who +
                           (r.protocol == config::protocol::manual
                                ? ". Its fulfillers are asked to grant it; you are told "
                                  "when they have."
                                : ". You may connect within the window below.");
      break;
    case happening_kind::request_fulfilled:
      title = "Access Request Fulfilled";
      decision = "fulfilled by " + who;
      sentence = "Your request " + id + " for " + target(r) + " was fulfilled by " + who + ".";
      break;
    case happening_kind::request_fulfilment_failed:
      title = "Access Request Fulfilment Failed";
      decision = "fulfilment failed (" + who + ")";
      sentence = "Your approved request " + id + " for " + target(r) +
                 " could not be fulfilled: " + who + " reported it failed.";
      break;
    case happening_kind::request_denied:
      title = "Connection Request Denied";
      decision = "denied by " + who;
      sentence = r.emergency
                     ? "The emergency access you took under request " + id + " to " + target(r) +
                           " was denied by " + who + "; the access is revoked."
                     : "Your request " + id + " for " + target(r) + " was denied by " + who + ".";
      break;
    case happening_kind::request_expired:
      title = "Connection Request Expired";
      decision = "expired";
      sentence = "Your request " + id + " for " + target(r) + " expired: nobody decided before " +
                 format_rfc3339(r.pending_until) + ".";
      break;
    case happening_kind::request_cancelled:
      title = "Connection Request Cancelled";
      decision = "cancelled by " + who;
      sentence = "Your request " + id + " for " + target(r) + " was cancelled by " + who + ".";
      break;
    case happening_kind::grant_revoked:
      title = "Connection Access Revoked";
      decision = "revoked by " + who;
      sentence = "Your access to " + target(r) + " (request " + id + ") was revoked by " + who +
                 ". Open sessions are closed.";
      break;
    case happening_kind::grant_ended:
      title = "Connection Access Ended";
      decision = "ended";
      sentence = "Your access to " + target(r) + " (request " + id + ") ended.";
      break;
    default:
      title = "Connection Request Update";
      decision = std::string(policy::audit_name(what)) + (by.empty() ? "" : " by " + by);
      sentence = "Your request " + id + " for " + target(r) + ": " + decision + ".";
  }
  body b;
  b.heading = title;
  b.intro.push_back(sentence);
  b.facts.emplace_back("Decision", decision);
  if (!comment.empty()) b.facts.emplace_back("Comment", comment);
  add_request_facts(b, r);
  for (const mail_link& l : open)
    if (!l.url.empty()) b.actions.push_back({l.label, l.url});
  add_request_link(b, request_url);
  return finish(ctx, subject(ctx, title, r.id), b);
}

mail_content fulfiller_mail(const mail_context& ctx, const policy::request& r,
                            const std::string& request_url) {
  body b;
  b.heading = "Fulfilment needed";
  b.intro.push_back("Request #" + std::to_string(r.id) + " of " + r.requester + " for " +
                    target(r) +
                    " is approved. The gate does not grant this resource itself: you are a "
                    "fulfiller. Grant it, then mark the request fulfilled with your evidence, or "
                    "failed with why.");
  add_request_facts(b, r);
  add_request_link(b, request_url);
  if (request_url.empty())
    b.intro.push_back("Mark it: gatehouse fulfil " + std::to_string(r.id) +
                      " --evidence TEXT, or --failed --comment TEXT.");
  return finish(ctx, subject(ctx, "Fulfilment Needed", r.id), b);
}

mail_content emergency_mail(const mail_context& ctx, const policy::request& r,
                            const std::string& approver, const std::string& request_url) {
  body b;
  b.heading = "Emergency access taken";
  b.intro.push_back(r.requester + " took emergency access to " + target(r) + " (" +
                    std::string(policy::to_string(r.protocol)) + ") under request #" +
                    std::to_string(r.id) +
                    ". The access is open now; its approvers review it after the fact: approve "
                    "to confirm it, deny to revoke it.");
  add_request_facts(b, r);
  add_request_link(b, request_url);
  if (request_url.empty()) add_decide_commands(b, ctx, r, approver);
  return finish(ctx, subject(ctx, "Emergency Access Taken", r.id), b);
}

}  // namespace gatehouse::mail
