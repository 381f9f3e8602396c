#include "web/mail_sign_in_mailer.hpp"

#include <spdlog/spdlog.h>

#include "approval/secrets.hpp"
#include "core/web_text.hpp"
#include "mail/mail_service.hpp"
#include "mail/mime.hpp"

namespace gatehouse::web {

void mail_sign_in_mailer::send_sign_in(const config::user& person, const std::string& url) {
  auto cfg = config_();
  mail::mime_message m;
  m.from_name = cfg->instance_name;
  m.from_address = cfg->mail.from;
  m.to_address = person.email;
  m.subject = cfg->instance_name + " - Sign-in link";
  m.date = clock_.now();
  auto at = cfg->mail.from.rfind('@');
  m.message_id = approval::random_base64url(16) + ".sign-in@" +
                 (at == std::string::npos ? "gatehouse.invalid" : cfg->mail.from.substr(at + 1));
  m.text = "Hello " + person.name + ",\n\nto sign in to " + cfg->instance_name +
           ", open this link within 15 minutes. It works once.\n\n" + url +
           "\n\nIf you did not ask for it, ignore this mail.\n";
  m.html = "<p>Hello " + html_escape(person.name) + ",</p><p>to sign in to " +
           html_escape(cfg->instance_name) +
           ", open this link within 15 minutes. It works once.</p><p><a href=\"" +
           html_escape(url) +
           "\">Sign in</a></p><p>If you did not ask for it, ignore this "
           "mail.</p>";
  if (auto queued = mail_.send({person.email, m.subject, mail::render(m)}, m.date); !queued)
    spdlog::error("web: could not queue the sign-in mail for {}: {}", person.name,
                  queued.message());
}

}  // namespace gatehouse::web
