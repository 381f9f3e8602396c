#include "mail/smtp_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace gatehouse::mail {

namespace {

constexpr long connect_timeout_ms = 10'000;
constexpr long reply_timeout_s = 30;
constexpr long transfer_timeout_ms = smtp_send_limit.count();

struct upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* userdata) {
  auto* u = static_cast<upload*>(userdata);
  std::size_t n = std::min(size * count, u->data.size() - u->at);
  std::memcpy(buffer, u->data.data() + u->at, n);
  u->at += n;
  return n;
}

// Once the whole message is uploaded the server may already have accepted it: cutting the
// transfer then would send it twice after the restart, so the reply gets a short grace.
constexpr auto reply_grace = std::chrono::seconds(5);

struct abort_state {
  const std::atomic<bool>& abort;
  std::optional<std::chrono::steady_clock::time_point> asked;
};

int on_progress(void* userdata, curl_off_t, curl_off_t, curl_off_t upload_total,
                curl_off_t uploaded) {
  auto* s = static_cast<abort_state*>(userdata);
  if (!s->abort.load()) return 0;
  auto now = std::chrono::steady_clock::now();
  if (!s->asked) s->asked = now;
  const bool message_sent = upload_total > 0 && uploaded >= upload_total;
  return !message_sent || now - *s->asked >= reply_grace ? 1 : 0;
}

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

void init_smtp_transport() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string send_smtp(const config::mail_settings& settings, const outgoing_mail& mail,
                      const std::atomic<bool>& abort) {
  std::unique_ptr<CURL, easy_deleter> curl(curl_easy_init());
  if (!curl) return "cannot start libcurl";
  CURL* c = curl.get();
  std::string from = "<" + settings.from + ">";
  std::unique_ptr<curl_slist, slist_deleter> rcpt(
      curl_slist_append(nullptr, ("<" + mail.recipient + ">").c_str()));
  upload body{mail.body};
  char errors[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(c, CURLOPT_URL, settings.smtp.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
  curl_easy_setopt(c, CURLOPT_READDATA, &body);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, curl_off_t(mail.body.size()));
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   settings.starttls ? long(CURLUSESSL_ALL) : long(CURLUSESSL_NONE));
  if (!settings.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings.password.c_str());
  }
  if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, reply_timeout_s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, transfer_timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  abort_state aborting{abort, std::nullopt};
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &aborting);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errors);

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  std::string why = curl_easy_strerror(rc);
  if (errors[0] && why != errors) why += ": " + std::string(errors);
  return why;
}

}  // namespace gatehouse::mail
