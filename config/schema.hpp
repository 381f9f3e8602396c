#pragma once
// Reading the YAML document into the config structs, section by section (internal to
// config/). Everything a single value or entry can get wrong is reported here; what needs
// several sections at once (references, duplicates, rule reachability) is cross_check's.
#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/source_map.hpp"
#include "config/yaml_reader.hpp"

namespace gatehouse::config {

// `root` must be a map. Fills `out` with what was readable and `where` with positions.
void read_config(read_context& ctx, const YAML::Node& root, config& out, source_map& where);

// Sections, each reading its keys from the top-level map.
void read_settings(const map_reader& top, config& out);                   // instance_name … audit
void read_people(const map_reader& top, config& out, source_map& where);  // users, groups
void read_servers(const map_reader& top, config& out, source_map& where);  // servers, groups
void read_rules(const map_reader& top, config& out, source_map& where);
void read_ssh_settings(const map_reader& top, ssh_settings& out);  // the top-level `ssh`

}  // namespace gatehouse::config
