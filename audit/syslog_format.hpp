#pragma once
// RFC 5424 syslog messages for the audit forward (SIEM). Pure functions.
//
//   <PRI>1 TIMESTAMP HOSTNAME gatehouse PROCID MSGID [gatehouse@32473 seq="N" hash="H"] MSG
//
// PRI: facility authpriv (10); severity warning (4) for failures, denials and mismatches,
// notice (5) for emergency access, info (6) otherwise. TIMESTAMP is the event's `ts`, MSGID
// its name, MSG the audit log line itself (JSON, UTF-8). Over TCP each message is framed by
// octet counting (RFC 6587: "LEN SP MSG").
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::audit {

struct syslog_origin {
  std::string hostname;  // "-" when unknown
  std::int64_t pid = 0;
};

// `line` is the audit log line (without its newline), `event` its name.
std::string syslog_message(const syslog_origin& origin, std::string_view event, std::string_view ts,
                           std::uint64_t seq, std::string_view hash, std::string_view line);

std::string octet_counted(std::string_view message);

}  // namespace gatehouse::audit
