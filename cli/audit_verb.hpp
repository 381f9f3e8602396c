#pragma once
// `gatehouse audit`: the audit log's events through the daemon (filters, jsonl or csv), and
// `gatehouse audit verify [FILE…] [--key FILE]` (through the daemon, or locally on the files
// given, their checkpoints checked with the signing key when --key names it).
#include "cli/arguments.hpp"

namespace gatehouse::cli {

inline constexpr const char* audit_synopsis =
    "audit [verify [FILE... [--key FILE]]] [--person P] [--server S] [--event E|PREFIX*] [--since "
    "T|D] "
    "[--until T|D] [--request ID] [--session ID] [--emergency] [--limit N] [--format jsonl|csv]";

int run_audit_verb(const arguments& args);  // the process exit code

}  // namespace gatehouse::cli
