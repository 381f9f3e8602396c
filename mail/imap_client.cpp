#include "mail/imap_client.hpp"

#include <curl/curl.h>

#include <memory>

#include "mail/reply_reader.hpp"
#include "mail/smtp_transport.hpp"  // init_smtp_transport: curl_global_init once

namespace gatehouse::mail {

namespace {

constexpr long connect_timeout_ms = 10'000;
constexpr long transfer_timeout_ms = 30'000;
constexpr std::size_t max_search_reply = 1 << 20;

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct sink {
  std::string data;
  std::size_t limit;
  bool over = false;
};

std::size_t collect(char* p, std::size_t size, std::size_t count, void* userdata) {
  auto* s = static_cast<sink*>(userdata);
  const std::size_t n = size * count;
  if (s->data.size() + n > s->limit) {
    s->data.append(p, s->limit - s->data.size());
    s->over = true;
    return 0;  // stops the transfer
  }
  s->data.append(p, n);
  return n;
}

std::string mailbox_url(const config::mail_settings& s) {
  std::string url = s.inbox;
  auto scheme_end = url.find("://");
  auto path = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path == std::string::npos) url += "/INBOX";
  while (url.ends_with("/")) url.pop_back();
  return url;
}

// Runs one request on `url` (a custom command when `command` is not empty) into `out`.
std::string perform(const config::mail_settings& s, const std::string& url,
                    const std::string& command, sink& out) {
  init_smtp_transport();
  std::unique_ptr<CURL, easy_deleter> curl(curl_easy_init());
  if (!curl) return "cannot start libcurl";
  CURL* c = curl.get();
  char errors[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  if (!command.empty()) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, command.c_str());
  if (!s.inbox_user.empty()) curl_easy_setopt(c, CURLOPT_USERNAME, s.inbox_user.c_str());
  if (!s.inbox_password.empty()) curl_easy_setopt(c, CURLOPT_PASSWORD, s.inbox_password.c_str());
  if (!s.inbox_ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.inbox_ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, transfer_timeout_ms);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errors);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && out.over)) return {};
  std::string why = curl_easy_strerror(rc);
  if (errors[0] && why != errors) why += ": " + std::string(errors);
  return why;
}

}  // namespace

std::vector<std::uint64_t> parse_search_reply(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::size_t at = 0;
  while ((at = text.find("* SEARCH", at)) != std::string::npos) {
    at += 8;
    auto end = text.find('\n', at);
    std::string_view line(text.data() + at, (end == std::string::npos ? text.size() : end) - at);
    std::uint64_t n = 0;
    bool digits = false;
    for (char ch : line) {
      if (ch >= '0' && ch <= '9' && n < (std::uint64_t(1) << 59)) {
        n = n * 10 + std::uint64_t(ch - '0');
        digits = true;
      } else {
        if (digits && n > 0) out.push_back(n);
        n = 0;
        digits = false;
      }
    }
    if (digits && n > 0) out.push_back(n);
  }
  return out;
}

unseen_result imap_unseen(const config::mail_settings& s) {
  unseen_result r;
  sink out{{}, max_search_reply};
  r.error = perform(s, mailbox_url(s), "UID SEARCH UNSEEN", out);
  if (r.error.empty()) r.uids = parse_search_reply(out.data);
  return r;
}

fetch_result imap_fetch(const config::mail_settings& s, std::uint64_t uid) {
  fetch_result r;
  sink out{{}, max_reply_bytes + 1};
  r.error = perform(s, mailbox_url(s) + "/;UID=" + std::to_string(uid), "", out);
  r.oversized = out.over;
  r.raw = std::move(out.data);
  return r;
}

imap_result imap_mark_seen(const config::mail_settings& s, std::uint64_t uid) {
  sink out{{}, max_search_reply};
  return {perform(s, mailbox_url(s), "UID STORE " + std::to_string(uid) + " +FLAGS (\\Seen)", out)};
}

}  // namespace gatehouse::mail
