#pragma once
// Checks that span sections of a parsed config: duplicate names, references to undefined
// users, groups, servers and accounts, and, through rule_analysis.hpp, rules that can never
// match or never be approved. Reports at the positions kept in the source map.
#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/source_map.hpp"

namespace gatehouse::config {

void cross_check(const config& c, const source_map& where, reporter& report);

}  // namespace gatehouse::config
