#pragma once
// HTML pieces the audit pages share: their tabs, the filter form's fields, and CSV downloads.
#include <string>
#include <string_view>

#include "web/http_message.hpp"

namespace gatehouse::web {

// Events | Sessions | Requests, `current` marked.
std::string audit_tabs(std::string_view current);
// <label>…</label><input type=text name=NAME value=VALUE>
std::string filter_field(std::string_view name, std::string_view label, std::string_view value,
                         std::string_view placeholder = {});
// A checkbox NAME=1, checked when `on`.
std::string filter_checkbox(std::string_view name, std::string_view label, bool on);
// An event's ts as shown: "2026-11-22T21:51:19.102Z" -> "2026-11-22 21:51:19.102" (UTC), escaped.
std::string shown_time(std::string_view ts);
// text/csv as an attachment named `filename`.
web_reply csv_download(std::string_view filename, std::string body);

}  // namespace gatehouse::web
