#include "web/html.hpp"

#include <fmt/format.h>

namespace gatehouse::web {

std::string page(std::string_view title, const viewer& v, std::string_view body) {
  std::string nav;
  if (!v.person.empty()) {
    nav = fmt::format(
        "<nav><a href=\"/my/approvals\">My approvals</a><a href=\"/my/requests\">My requests</a>"
        "<a href=\"/requests/new\">Request access</a>"
        "<a href=\"/grants\">Grants</a>{}"
        "<span class=\"who\">{}</span></nav>",
        v.auditor ? "<a href=\"/audit\">Audit</a>" : "", escape(v.person));
  }
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{} - Gatehouse</title><link rel=\"stylesheet\" href=\"/static/gatehouse.css\">"
      "</head><body><header><a class=\"brand\" href=\"/\">Gatehouse</a>{}</header>"
      "<main>{}</main></body></html>\n",
      escape(title), nav, body);
}

std::string when(time_point t) {
  auto text = format_rfc3339(t);  // 2026-11-22T17:30:00.000Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string_view stylesheet() {
  return R"css(:root{--ink:#1d2330;--muted:#5d6678;--line:#dde1e8;--bg:#f5f6f8;--card:#fff;
--accent:#1f5fbf;--ok:#1b7a3d;--bad:#b3261e;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1rem;
background:var(--ink);color:#fff}
header a{color:#fff;text-decoration:none}
.brand{font-weight:700;letter-spacing:.02em}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;flex:1}
nav a{opacity:.9}nav a:hover{opacity:1;text-decoration:underline}
.who{margin-left:auto;opacity:.75;font-size:.9rem}
main{max-width:52rem;margin:0 auto;padding:1rem}
main a{color:var(--accent)}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;
margin-bottom:1rem}
.card h2:first-child,form.card label:first-of-type{margin-top:0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{font-weight:400;color:var(--muted);font-size:.9rem}
input[type=text],input[type=email],input[type=datetime-local],textarea,select{width:100%;
padding:.55rem .6rem;font:inherit;border:1px solid var(--line);border-radius:6px;background:#fff}
textarea{min-height:4.5rem}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.35rem 0}
fieldset{border:1px solid var(--line);border-radius:6px;margin:1rem 0 0}
fieldset[disabled]{opacity:.6}legend{font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:1px solid
transparent;cursor:pointer;background:var(--accent);color:#fff;min-width:8rem}
button.approve{background:var(--ok)}button.deny{background:var(--bad)}
button.plain{background:#fff;color:var(--ink);border-color:var(--line)}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.85rem;
font-weight:600;background:var(--line)}
.badge.pending{background:#fff4d6;color:var(--warn)}.badge.approved,.badge.active{background:#e3f4e8;
color:var(--ok)}.badge.denied,.badge.revoked{background:#fbe4e2;color:var(--bad)}
.emergency{color:var(--bad);font-weight:700}
.notice{padding:.75rem 1rem;border-radius:6px;background:#e8f0fc;margin-bottom:1rem}
.notice.error{background:#fbe4e2}
table{width:100%;border-collapse:collapse;background:var(--card)}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:.9rem}
@media (max-width:40rem){table.list thead{display:none}table.list tr{display:block;
border-bottom:1px solid var(--line);padding:.4rem 0}table.list td{display:block;border:0;
padding:.1rem .5rem}}
ol.timeline{list-style:none;padding:0;margin:0 0 1rem}
ol.timeline li{border-left:3px solid var(--line);padding:.25rem 0 .75rem 1rem}
ol.timeline time{color:var(--muted);font-size:.9rem;display:block}
form.inline{display:inline}
main:has(table.audit){max-width:none}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:0 1rem}
.filters label{margin-top:.5rem}
label.check{display:flex;align-items:center;gap:.4rem;margin-top:2.1rem}
table.audit td{font-size:.9rem;overflow-wrap:anywhere}
table.audit td.time{white-space:nowrap}
table.audit td.details{font-family:ui-monospace,monospace;font-size:.8rem;max-width:28rem}
.tabs{display:flex;gap:1rem;margin-bottom:1rem}
#player{margin:1rem 0}
pre.secret{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--card);
padding:.75rem 1rem;border:1px solid var(--line);border-radius:6px}
.muted{color:var(--muted)}
)css";
}

}  // namespace gatehouse::web
