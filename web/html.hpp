#pragma once
// Server-rendered HTML: escaping and the one page layout every page shares (header with the
// person's navigation, the stylesheet, a viewport for phones). No JavaScript anywhere.
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "core/web_text.hpp"

namespace gatehouse::web {

inline std::string escape(std::string_view text) { return html_escape(text); }

// A whole document. `person` is who is signed in ("" for nobody); `body` is trusted HTML.
std::string page(std::string_view title, std::string_view person, std::string_view body);

// "2026-11-22 17:30 UTC"
std::string when(time_point t);

// The stylesheet served at /static/gatehouse.css.
std::string_view stylesheet();

}  // namespace gatehouse::web
