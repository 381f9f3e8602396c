#include "mail/mail_notifier.hpp"

#include <unistd.h>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "mail/mime.hpp"
#include "mail/reply_policy.hpp"
#include "policy/recording_access.hpp"

namespace gatehouse::mail {

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), int(bytes)) != 1) {
    // Message-IDs need to be unique, not secret: fall back to the clock and the address.
    auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    raw = std::to_string(ticks) + std::to_string(reinterpret_cast<std::uintptr_t>(&raw));
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "gatehouse.invalid" : address.substr(at + 1);
}

bool wildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || !name[0]) return "gate";
  return name;
}

// Links are valid while the request may still be decided.
time_point link_expiry(const policy::request& r) {
  return r.state == policy::request_state::pending ? r.pending_until : r.window.end;
}

}  // namespace

mail_context context_of(const config::config& c) {
  mail_context ctx;
  ctx.instance_name = c.instance_name;
  if (c.listen.ssh) {
    const auto& at = c.listen.ssh->address;
    std::string host = wildcard(at.host) ? this_host() : at.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    ctx.ssh_host = (at.port == 22 ? "" : "-p " + std::to_string(at.port) + " ") + host;
  }
  return ctx;
}

mail_notifier::mail_notifier(config_source config, approval::links& links, outbox& box,
                             const clock& clock, mail_counters& counters,
                             std::function<void()> queued, approval::token_store* reply_tokens)
    : config_(std::move(config)),
      links_(links),
      box_(box),
      clock_(clock),
      counters_(counters),
      queued_(std::move(queued)),
      reply_tokens_(reply_tokens) {}

std::string mail_notifier::reply_token(const config::config& c, const policy::request& r,
                                       const std::string& approver) {
  if (!reply_tokens_ || !replies_offered(c, r)) return {};
  approval::token_record t;
  t.kind = approval::token_kind::approval;
  t.person = approver;
  t.request_id = r.id;
  t.expires = link_expiry(r);
  auto token = reply_tokens_->issue(t, clock_.now());
  if (!token) {
    spdlog::error("mail: reply token for request #{} ({}): {}", r.id, approver, token.message());
    return {};
  }
  return *token;
}

std::string mail_notifier::address_of(const config::config& c, const std::string& person) {
  const config::user* u = c.find_user(person);
  if (u && !u->email.empty()) return u->email;
  std::lock_guard lock(mutex_);
  if (told_no_address_.insert(person).second)
    spdlog::warn("mail: {} has no email address; they get no mail", person);
  return {};
}

outgoing_mail mail_notifier::message(const config::config& c, const std::string& address,
                                     const mail_content& content, policy::request_id id,
                                     std::string_view once, const std::string& reply_token) const {
  mime_message m;
  if (!reply_token.empty())
    m.reply_to =
        tokened_address(c.mail.reply_to.empty() ? c.mail.from : c.mail.reply_to, reply_token);
  m.from_name = c.instance_name;
  m.from_address = c.mail.from;
  m.to_address = address;
  m.subject = content.subject;
  m.date = clock_.now();
  m.message_id = random_hex(16) + "." + std::to_string(id) + "@" + domain_of(c.mail.from);
  m.text = content.text;
  m.html = content.html;
  return {address, content.subject, render(m),
          once.empty() ? std::string() : std::string(once) + address};
}

bool mail_notifier::queue(const std::vector<outgoing_mail>& mails) {
  if (mails.empty()) return true;
  auto stored = box_.enqueue(mails, clock_.now());
  if (!stored) {
    for (const auto& m : mails)
      spdlog::error("mail: could not queue \"{}\" to {}: {}", m.subject, m.recipient,
                    stored.message());
    return false;
  }
  // A mail queued before under its once_key (a notice told again) comes back as id 0.
  counters_.queued += std::size_t(
      std::count_if(stored->begin(), stored->end(), [](std::int64_t id) { return id != 0; }));
  if (queued_) queued_();
  return true;
}

bool mail_notifier::ask_approvers(const policy::request& r, std::size_t level,
                                  const std::vector<std::string>& people, std::string_view once) {
  auto c = config_();
  const auto ctx = context_of(*c);
  const std::string request_url = links_.request_url(r.id);
  std::vector<outgoing_mail> mails;
  for (const auto& person : people) {
    auto address = address_of(*c, person);
    if (address.empty()) continue;
    auto link = links_.approval_url(r.id, person, link_expiry(r));
    auto token = reply_token(*c, r, person);
    mails.push_back(message(*c, address,
                            approver_mail(ctx, r, level, person, link, request_url, token), r.id,
                            once, token));
  }
  return queue(mails);
}

bool mail_notifier::tell_requester(const policy::request& r, policy::happening_kind what,
                                   const std::string& by, const std::string& comment,
                                   std::string_view once) {
  auto c = config_();
  auto address = address_of(*c, r.requester);
  if (address.empty()) return true;
  std::vector<mail_link> open;  // an approved SSH account can be used from the browser
  if (what == policy::happening_kind::request_approved && r.protocol == config::protocol::ssh &&
      !r.account.empty() && !policy::is_recording_request(r))
    open = {{"Open a terminal", links_.terminal_url(r.server, r.account)},
            {"Browse files", links_.files_url(r.server, r.account)}};
  return queue(
      {message(*c, address,
               decision_mail(context_of(*c), r, what, by, comment, links_.request_url(r.id), open),
               r.id, once)});
}

bool mail_notifier::tell_emergency(const policy::request& r,
                                   const std::vector<std::string>& approvers,
                                   std::string_view once) {
  auto c = config_();
  const auto ctx = context_of(*c);
  const std::string request_url = links_.request_url(r.id);
  std::set<std::string> told;  // a person listed at two levels gets one mail
  std::vector<outgoing_mail> mails;
  for (const auto& person : approvers) {
    if (!told.insert(person).second) continue;
    auto address = address_of(*c, person);
    if (address.empty()) continue;
    mails.push_back(message(*c, address, emergency_mail(ctx, r, person, request_url), r.id, once));
  }
  return queue(mails);
}

bool mail_notifier::ask_fulfillers(const policy::request& r,
                                   const std::vector<std::string>& fulfillers,
                                   std::string_view once) {
  auto c = config_();
  const auto content = fulfiller_mail(context_of(*c), r, links_.request_url(r.id));
  std::vector<outgoing_mail> mails;
  for (const auto& person : fulfillers)
    if (auto address = address_of(*c, person); !address.empty())
      mails.push_back(message(*c, address, content, r.id, once));
  return queue(mails);
}

}  // namespace gatehouse::mail
