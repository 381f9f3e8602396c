#include "mail/reply_decider.hpp"

#include <spdlog/spdlog.h>

#include "approval/secrets.hpp"
#include "mail/message_parts.hpp"
#include "mail/mime.hpp"
#include "mail/reply_policy.hpp"
#include "mail/reply_reader.hpp"

namespace gatehouse::mail {

namespace {

// Mail that a program sent (vacation notices, bounces, lists) is never answered: two robots
// could otherwise answer each other forever.
bool automatic(std::string_view raw) {
  auto m = parse_incoming(raw.substr(0, std::min<std::size_t>(raw.size(), 64 * 1024)));
  auto submitted = lowercase(first_header(m.headers, "Auto-Submitted").value_or("no"));
  auto precedence = lowercase(first_header(m.headers, "Precedence").value_or(""));
  return !submitted.starts_with("no") || precedence == "bulk" || precedence == "list" ||
         precedence == "junk";
}

std::string reply_address(const config::config& c) {
  return c.mail.reply_to.empty() ? c.mail.from : c.mail.reply_to;
}

void answer(const reply_decider_context& ctx, const config::config& c, const mail_reply& r,
            const std::string& subject, const std::string& text) {
  mime_message m;
  m.from_name = c.instance_name;
  m.from_address = c.mail.from;
  m.to_address = r.from;
  m.subject = c.instance_name + " - " + subject;
  m.date = ctx.clk.now();
  m.message_id = "reply." + approval::random_base64url(12) + "@" +
                 c.mail.from.substr(c.mail.from.rfind('@') + 1);
  m.text = body_safe(text) + "\n\n-- \n" + c.instance_name + " (Gatehouse)\n";
  m.html = "<p>" + html_escape(body_safe(text)) + "</p>";
  if (auto queued = ctx.mail.send({r.from, m.subject, render(m)}, ctx.clk.now()); !queued)
    spdlog::error("mail: cannot queue the answer to a reply: {}", queued.message());
}

bool same_address(const std::string& a, const std::string& b) {
  return !a.empty() && lowercase(a) == lowercase(b);
}

// Answered: a configured person's address, or one the trusted server vouched for. A forged
// From: of anyone else gets nothing (the gate is no mail reflector for strangers).
bool answerable(const config::config& c, const mail_reply& r) {
  if (r.from.empty() || same_address(r.from, c.mail.from) || same_address(r.from, reply_address(c)))
    return false;
  if (r.authenticated) return true;
  for (const auto& u : c.users)
    if (same_address(u.email, r.from)) return true;
  return false;
}

}  // namespace

reply_outcome decide_by_reply(const reply_decider_context& ctx, std::string_view raw) {
  const auto c = ctx.config();
  const mail_reply r = read_reply(raw, {reply_address(*c), c->mail.trusted_authserv_id});
  policy::audit_event e{"mail.reply", ctx.clk.now(), {}, {}};
  e.fields["message_id"] = r.message_id;
  e.fields["from"] = r.from;
  if (!r.authentication.empty()) e.fields["authentication"] = r.authentication;
  if (r.verdict != reply_verdict::none)
    e.fields["verdict"] = r.verdict == reply_verdict::approve ? "approve" : "deny";

  auto finish = [&](reply_outcome o, const std::string& subject, const std::string& text) {
    e.fields["outcome"] = o.outcome;
    if (!o.reason.empty()) e.fields["reason"] = o.reason;
    ctx.audit.record(e);
    spdlog::info("mail: reply {} from {}: {}{}", r.message_id, r.from, o.outcome,
                 o.reason.empty() ? "" : " (" + o.reason + ")");
    if (answerable(*c, r) && !automatic(raw)) answer(ctx, *c, r, subject, text);
    return o;
  };
  auto refuse = [&](const std::string& why) {
    return finish({"refused", why}, "Your reply decided nothing",
                  "Your reply (" + r.message_id + ") decided nothing: " + why +
                      ".\n\nUse the links in the approval mail, or the gatehouse command.");
  };

  if (!r.problem.empty()) return refuse(r.problem);
  auto found = ctx.tokens.find(approval::token_kind::approval, r.token);
  if (!found) return refuse("the gate could not read its store; try again later");
  if (!*found) return refuse("its approval token is unknown");
  const approval::token_record& t = **found;
  e.fields["request"] = std::to_string(t.request_id);
  e.json_fields.insert("request");
  e.fields["person"] = t.person;
  const config::user* approver = c->find_user(t.person);
  if (!approver || !same_address(approver->email, r.from))
    return refuse("it is not from the address of the approver the mail was sent to");
  if (!t.usable(ctx.clk.now())) return refuse("its approval token was used already or has expired");
  auto request = ctx.operations.get_request(t.request_id);
  if (!request) return refuse("request #" + std::to_string(t.request_id) + " cannot be read");
  if (auto why = reply_refusal(*c, *request, r.verdict); !why.empty()) return refuse(why);
  auto used = ctx.tokens.use(approval::token_kind::approval, r.token, ctx.clk.now());
  if (!used) return refuse("the gate could not read its store; try again later");
  if (!*used) return refuse("its approval token was used already or has expired");

  const auto as_approver = operations::actor::person(t.person);
  const bool approve = r.verdict == reply_verdict::approve;
  policy::approval options;
  options.comment = r.comment;
  auto outcome = approve ? ctx.operations.approve(as_approver, t.request_id, options)
                         : ctx.operations.deny(as_approver, t.request_id, r.comment);
  if (!outcome) return refuse(outcome.message());
  const std::string done = approve ? "approved" : "denied";
  const std::string id = "#" + std::to_string(t.request_id);
  return finish({done, ""}, "Request " + id + " " + done,
                "You " + done + " request " + id + " (" + request->requester + ": " +
                    request->account + "@" + request->server + ") by your reply" +
                    (r.comment.empty() ? "." : ", with the comment: " + r.comment));
}

}  // namespace gatehouse::mail
