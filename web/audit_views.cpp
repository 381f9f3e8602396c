#include "web/audit_views.hpp"

#include <array>
#include <utility>

#include "web/html.hpp"

namespace gatehouse::web {

std::string audit_tabs(std::string_view current) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 3> tabs = {
      {{"Events", "/audit"}, {"Sessions", "/audit/sessions"}, {"Requests", "/audit/requests"}}};
  std::string out = "<nav class=\"tabs\">";
  for (auto [name, href] : tabs) {
    if (name == current)
      out += "<strong>" + std::string(name) + "</strong>";
    else
      out += "<a href=\"" + std::string(href) + "\">" + std::string(name) + "</a>";
  }
  return out + "</nav>";
}

std::string filter_field(std::string_view name, std::string_view label, std::string_view value,
                         std::string_view placeholder) {
  std::string id = "f-" + std::string(name);
  return "<div><label for=\"" + id + "\">" + escape(label) + "</label><input type=\"text\" id=\"" +
         id + "\" name=\"" + std::string(name) + "\" value=\"" + escape(value) + "\"" +
         (placeholder.empty() ? "" : " placeholder=\"" + escape(placeholder) + "\"") + "></div>";
}

std::string filter_checkbox(std::string_view name, std::string_view label, bool on) {
  return "<div><label class=\"check\"><input type=\"checkbox\" name=\"" + std::string(name) +
         "\" value=\"1\"" + (on ? " checked" : "") + "> " + escape(label) + "</label></div>";
}

std::string shown_time(std::string_view ts) {
  if (ts.size() < 20 || ts[10] != 'T' || !ts.ends_with('Z')) return escape(ts);
  return escape(std::string(ts.substr(0, 10)) + " " + std::string(ts.substr(11, ts.size() - 12)));
}

web_reply csv_download(std::string_view filename, std::string body) {
  web_reply r{200, "text/csv; charset=utf-8", std::move(body), {}};
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + std::string(filename) + "\"");
  return r;
}

}  // namespace gatehouse::web
