#pragma once
// Server-rendered HTML: escaping and the one page layout every page shares (header with the
// person's navigation, the stylesheet, a viewport for phones). No inline JavaScript: the one
// page with a script (the audit replay) loads files served by us.
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "core/web_text.hpp"

namespace gatehouse::web {

inline std::string escape(std::string_view text) { return html_escape(text); }

// Who a page is for: the signed-in person ("" for nobody), and whether the navigation offers
// the audit pages (only to the auditors group).
struct viewer {
  viewer(std::string_view who = {}, bool may_audit = false) : person(who), auditor(may_audit) {}
  // Implicit: pages given only a name show the navigation without the audit link.
  viewer(const std::string& who) : person(who) {}
  viewer(const char* who) : person(who) {}
  std::string_view person;
  bool auditor = false;
};

// A whole document; `body` is trusted HTML.
std::string page(std::string_view title, const viewer& v, std::string_view body);

// "2026-11-22 17:30 UTC"
std::string when(time_point t);

// The stylesheet served at /static/gatehouse.css.
std::string_view stylesheet();

}  // namespace gatehouse::web
