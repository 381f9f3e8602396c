#pragma once
// The CLI's verbs: each turns its arguments into one admin API call and prints the answer,
// as a human table or (with --json) as the daemon's JSON.
#include <string>

#include "cli/arguments.hpp"

namespace gatehouse::cli {

std::string usage_text();
int run_verb(const arguments& args);  // the process exit code

}  // namespace gatehouse::cli
