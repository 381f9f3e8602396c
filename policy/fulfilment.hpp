#pragma once
// Fulfilment of resources the gate does not proxy (`protocol: manual`, "GitHub write access"):
// an approved request for a manual server is a task for its rule's `fulfillers`, who report it
// fulfilled (with evidence) or failed (with why). The outcome is kept with the request's
// comments as a record of kind `fulfilled` or `fulfilment_failed` (request.hpp), so the state
// below is read from the request alone and needs no column of its own.
//
// Pure helpers over plain values; any thread.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "policy/request.hpp"

namespace gatehouse::policy {

// none: not a manual request, or not (or no longer) approved without a fulfilment record.
enum class fulfilment_state { none, awaiting, fulfilled, failed };

std::string_view to_string(fulfilment_state f);  // "none", "awaiting", "fulfilled", "failed"

// Where request `r` stands: a manual request approved (and not denied after the fact) waits
// for its fulfillers until one of them records the outcome.
fulfilment_state fulfilment_of(const request& r);

// The people who fulfil `r` under `cfg`: its rule's fulfillers (names, group:NAME expanded to
// the group's members), in order, without repeats. Empty when the rule is gone or names none.
std::vector<std::string> fulfillers_of(const config::config& cfg, const request& r);

}  // namespace gatehouse::policy
