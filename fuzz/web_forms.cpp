// Fuzz harness: what browsers send to the web app, read without the app: URL decoding, path
// segments, form bodies and queries, the Cookie header, Origin, and the HTML escaping every
// page applies to what it shows.
//
// Contract checked: url_decode never returns more bytes than it got and undoes url_encode;
// path segments are non-empty and hold no '/'; every form key is non-empty and decodes from
// the text; a cookie value is a substring of the header; html_escape leaves no < > " ' and
// no '&' that does not start an entity it wrote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "web/forms.hpp"

using namespace gatehouse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto decoded = url_decode(text))
    fuzz::require(decoded->size() <= text.size(), "url_decode never grows the text");
  auto encoded = web::url_encode(text);
  auto round = url_decode(encoded);
  fuzz::require(round && *round == text, "url_decode undoes url_encode", encoded);

  for (auto segment : path_segments(text))
    fuzz::require(!segment.empty() && segment.find('/') == std::string_view::npos,
                  "path segments are non-empty and hold no '/'", segment);

  for (const auto& [key, value] : web::parse_form(text)) {
    fuzz::require(!key.empty(), "form keys are non-empty");
    fuzz::require(key.size() + value.size() <= text.size(), "a pair is no longer than the form");
  }

  auto cookie = web::cookie_value(text, "gh_session");
  fuzz::require(text.find(cookie) != std::string_view::npos, "a cookie value is in the header");

  auto origin = web::origin_of(text);
  fuzz::require(text.starts_with(origin), "an origin is a prefix of the URL", origin);

  auto html = html_escape(text);
  for (std::size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    fuzz::require(c != '<' && c != '>' && c != '"' && c != '\'', "html_escape leaves no markup");
    if (c != '&') continue;
    std::string_view rest = std::string_view(html).substr(i);
    fuzz::require(rest.starts_with("&amp;") || rest.starts_with("&lt;") ||
                      rest.starts_with("&gt;") || rest.starts_with("&quot;") ||
                      rest.starts_with("&#39;"),
                  "every '&' starts an entity html_escape wrote");
  }
  return 0;
}
