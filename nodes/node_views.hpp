#pragma once
// The nodes as the admin API shows them (SPEC extension, issue 16): `gatehouse status`'s
// "node" (this daemon's id) and "nodes" (every live node: id, instance_name, host, addresses,
// version, pid, started, heartbeat, heartbeat_age_seconds, stale, self), and `gatehouse
// sessions` across nodes (each session object gains "node", the id of the daemon holding it).
// Built from node_presence's cached view: no store call, so fine on the io thread.
#include <boost/json/array.hpp>

#include "nodes/node_presence.hpp"

namespace gatehouse::nodes {

boost::json::array nodes_view(const node_presence& presence, time_point now);

// `local` (this daemon's sessions, fresh from its registry) plus those of the other live, not
// stale nodes as they last published them; every object gets "node".
boost::json::array sessions_everywhere(boost::json::array local, const node_presence& presence,
                                       time_point now);

}  // namespace gatehouse::nodes
