// Sign-in by emailed link: no passwords. A one-time link (15 minutes) is mailed to the person;
// opening it shows a button (a GET changes nothing: mail scanners follow links), and the POST
// consumes the link and sets the session cookie.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "approval/secrets.hpp"
#include "approval/token_store.hpp"
#include "core/peer_address.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/sign_in_mailer.hpp"

namespace gatehouse::web {

namespace {
constexpr auto sign_in_lifetime = std::chrono::minutes(15);
constexpr auto session_lifetime = std::chrono::hours(12);

// The cookie that ties a sign-in link's form to the browser that opened the link (double
// submit): the form's token is an HMAC of the link and this cookie's random value, so a page on
// another site, which can neither read nor set a __Host- cookie here, cannot post the form.
constexpr std::string_view sign_in_cookie = "__Host-gatehouse-sign-in";
constexpr std::size_t sign_in_cookie_chars = 43;  // random_base64url(32)

// Only a path on this site: "/" and printable ASCII after it, never "//host", "/\host" (a
// backslash anywhere), a control character or white space (browsers drop tabs and newlines, so
// "/\t/host" would become "//host"), and never a token page (the sign-in link's row would keep
// that token in clear). Anything else: "/".
std::string local_path(const std::string& next) {
  const bool printable = std::all_of(next.begin(), next.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '\\';
  });
  if (!printable || next.empty() || next[0] != '/' || next.starts_with("//") ||
      next.starts_with("/approvals/") || next.starts_with("/sign-in"))
    return "/";
  return next;
}

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const config::user* find_person(const config::config& cfg, std::string_view who) {
  if (const auto* u = cfg.find_user(who)) return u;
  for (const auto& u : cfg.users)
    if (!u.email.empty() && same_text_ignoring_case(u.email, who)) return &u;
  return nullptr;
}

std::string sign_in_form(const std::string& next, const std::string& notice) {
  std::string out = "<h1>Sign in</h1>";
  if (!notice.empty()) out += "<div class=\"notice\">" + escape(notice) + "</div>";
  out +=
      "<form class=\"card\" method=\"post\" action=\"/sign-in\">"
      "<input type=\"hidden\" name=\"next\" value=\"" +
      escape(next) +
      "\">"
      "<label for=\"who\">Your name or email address</label>"
      "<input type=\"text\" id=\"who\" name=\"who\" autocomplete=\"username\" required>"
      "<p class=\"hint\">We mail you a link that signs you in. It works once, for 15 minutes."
      "</p><div class=\"actions\"><button type=\"submit\">Send me a link</button></div>"
      "</form>";
  return out;
}
}  // namespace

bool app::may_mail_sign_in(const std::string& person, const std::string& peer) {
  const auto now = std::chrono::steady_clock::now();
  const auto source = source_address(peer);
  const auto pair = person + '\n' + source;
  if (sign_in_by_person_source_.blocked(pair, now) || sign_in_by_source_.blocked(source, now) ||
      sign_in_by_person_.blocked(person, now)) {
    spdlog::warn("web: no sign-in link mailed to {} (asked from {}): too many within 15 minutes",
                 person, source);
    return false;
  }
  sign_in_by_person_source_.record(pair, now);
  sign_in_by_source_.record(source, now);
  sign_in_by_person_.record(person, now);
  return true;
}

web_reply app::sign_in_routes(const web_request& r, std::string_view path) {
  const bool post = r.method == "POST";
  if (post && !same_origin(r))
    return message_page(403, "Refused", "", "This form was sent from another site.");
  const auto now = context_.clk.now();

  if (path == "/sign-out") {
    if (!post) return redirect("/sign-in");
    if (auto s = signed_in(r)) {
      auto form = parse_form(r.body);
      if (!csrf_ok("session:" + s->token, form["csrf"]))
        return message_page(403, "Refused", s->person, "The form has expired; try again.");
      (void)context_.tokens.revoke(approval::token_kind::session, s->token);
    }
    auto reply = redirect("/sign-in");
    reply.headers.emplace_back(
        "Set-Cookie", "__Host-gatehouse=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
    return reply;
  }

  if (path == "/sign-in") {
    if (!post) {
      std::string next;
      if (auto q = r.target.find('?'); q != std::string::npos)
        next = parse_form(std::string_view(r.target).substr(q + 1))["next"];
      return html_reply(200, "Sign in", "", sign_in_form(local_path(next), ""));
    }
    auto form = parse_form(r.body);
    const std::string who = form["who"];
    const std::string next = local_path(form["next"]);
    auto cfg = context_.current_config();
    if (const auto* person = find_person(*cfg, who);
        person && !person->email.empty() && may_mail_sign_in(person->name, r.peer)) {
      approval::token_record link;
      link.kind = approval::token_kind::sign_in;
      link.person = person->name;
      link.next = next;
      link.expires = now + sign_in_lifetime;
      auto token = context_.tokens.issue(link, now);
      if (!token) return message_page(500, "Try again later", "", "The store is not available.");
      context_.mailer.send_sign_in(*person, public_url() + "/sign-in/" + *token);
    }
    // The same answer for known and unknown people: the page tells nobody who exists.
    return html_reply(200, "Sign in", "",
                      sign_in_form(next, "If \"" + who +
                                             "\" is known here, a sign-in link is on "
                                             "its way by mail."));
  }

  const std::string token(path.substr(std::string_view("/sign-in/").size()));
  auto found = context_.tokens.find(approval::token_kind::sign_in, token);
  if (!found) return message_page(500, "Try again later", "", "The store is not available.");
  if (!*found || !(*found)->usable(now))
    return message_page(410, "Link expired", "",
                        "This sign-in link has expired or was used already. Ask for a new one.");
  const std::string person = (*found)->person;
  if (!context_.current_config()->find_user(person))
    return message_page(410, "Link expired", "", person + " may no longer sign in here.");
  auto browser = cookie_value(r.cookie, sign_in_cookie);
  if (!post) {
    std::string set_cookie;
    if (browser.size() != sign_in_cookie_chars) {
      browser = approval::random_base64url(32);
      set_cookie = std::string(sign_in_cookie) + "=" + browser +
                   "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
                   std::to_string(std::chrono::seconds(sign_in_lifetime).count());
    }
    auto page =
        html_reply(200, "Sign in", "",
                   "<h1>Sign in</h1><form class=\"card\" method=\"post\" action=\"/sign-in/" +
                       escape(token) + "\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                       escape(csrf_token("sign-in:" + token + ":" + browser)) +
                       "\"><p>Sign in as <strong>" + escape(person) +
                       "</strong>?</p><div class=\"actions\"><button type=\"submit\">Sign in"
                       "</button></div></form>");
    if (!set_cookie.empty()) page.headers.emplace_back("Set-Cookie", set_cookie);
    return page;
  }
  if (browser.size() != sign_in_cookie_chars ||
      !csrf_ok("sign-in:" + token + ":" + browser, parse_form(r.body)["csrf"]))
    return message_page(403, "Refused", "",
                        "This sign-in did not come from this site's sign-in page. Open the link "
                        "from your mail again and press the button there.");
  auto used = context_.tokens.use(approval::token_kind::sign_in, token, now);
  if (!used || !*used)
    return message_page(410, "Link expired", "",
                        "This sign-in link has expired or was used already. Ask for a new one.");
  approval::token_record s;
  s.kind = approval::token_kind::session;
  s.person = person;
  s.expires = now + session_lifetime;
  auto session = context_.tokens.issue(s, now);
  if (!session) return message_page(500, "Try again later", "", "The store is not available.");
  ++sign_ins_;
  auto reply = redirect(local_path((*found)->next));
  reply.headers.emplace_back("Set-Cookie",
                             "__Host-gatehouse=" + *session +
                                 "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=" +
                                 std::to_string(std::chrono::seconds(session_lifetime).count()));
  reply.headers.emplace_back("Set-Cookie", std::string(sign_in_cookie) +
                                               "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
                                               "Max-Age=0");
  return reply;
}

}  // namespace gatehouse::web
