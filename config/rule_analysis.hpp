#pragma once
// What the rules can do given the directory: a rule that an earlier rule always matches first
// can never match; an approval level whose approvers resolve to nobody can never be decided.
// Decided on the config alone, which lists every person and server there is. Only rules whose
// references all resolve are analysed (`sound`); the others already have problems reported.
#include <vector>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/directory_index.hpp"
#include "config/source_map.hpp"

namespace gatehouse::config {

// Whether one of the servers the rule matches has an account of that name.
bool reaches_account(const rule& r, std::string_view account_name, const directory_index& index);

void check_reachability(const config& c, const source_map& where, const directory_index& index,
                        const std::vector<bool>& sound, reporter& report);
void check_approvers(const config& c, const source_map& where, const directory_index& index,
                     const std::vector<bool>& sound, reporter& report);
// A rule matching a `protocol: manual` server must name fulfillers and must not be `allow`.
void check_fulfillers(const config& c, const source_map& where, const directory_index& index,
                      const std::vector<bool>& sound, reporter& report);

}  // namespace gatehouse::config
