#pragma once
// A configuration compiled for fast decisions. Built once per configuration snapshot (at start
// and on each reload) and then only read: names map to dense indexes, and every person and
// every server carries a bit per rule saying whether that rule's `users` / `servers` list
// matches it (and whether it matches by name or group rather than `*`). Finding the first
// matching rule is then an AND over a few machine words per 64 rules.
//
// Ownership: the index points into the config it was built from; the config must outlive it
// (access_service keeps both in one snapshot). Thread-safety: immutable after construction,
// safe to read from any number of threads.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "policy/request.hpp"

namespace gatehouse::policy {

// The terms of the rule a decision was made under, copied so that the decision outlives the
// configuration snapshot.
struct rule_terms {
  std::string name;
  std::chrono::seconds default_duration{3600};
  std::chrono::seconds max_duration{8 * 3600};
  std::chrono::seconds pending_timeout{30 * 60};
  std::chrono::seconds hold_timeout{10 * 60};
  bool emergency = false;
  bool requester_chooses_approvers = false;
  bool auto_approve_if_requester_is_approver = false;
  bool allow_port_forwarding = false;
};

rule_terms terms_of(const config::rule& rule);

class policy_index {
 public:
  using index_t = std::uint32_t;
  static constexpr index_t npos = ~index_t{0};

  explicit policy_index(const config::config& cfg);

  const config::config& config() const { return *config_; }

  index_t find_person(std::string_view name) const;  // npos when unknown
  index_t find_server(std::string_view name) const;  // npos when unknown
  const config::user& person(index_t p) const { return config_->users[p]; }
  const config::server& server(index_t s) const { return config_->servers[s]; }

  // The server offers this account (a server without accounts offers any: http apps).
  bool has_account(index_t s, std::string_view account) const;

  // The first rule whose users, servers and accounts all match; npos when none.
  index_t first_matching_rule(index_t p, index_t s, std::string_view account) const;
  // The rule matched the person and the server each by name or group, not through "*".
  bool matches_explicitly(index_t rule, index_t p, index_t s) const;
  const config::rule& rule(index_t r) const { return config_->rules[r]; }
  const rule_terms& terms(index_t r) const { return terms_[r]; }

  // Managers of the person's groups, in group order, without repeats.
  const std::vector<std::string>& managers_of(index_t p) const { return people_[p].managers; }
  // Why manager approval is required for this pair ("group developers", "server group
  // production"), or empty when no require_manager_approval flag applies.
  std::string_view manager_flag(index_t p, index_t s) const;

  // The approvers of a rule's levels, resolved for this requester: names as written, groups
  // expanded to their members, `manager` to the requester's managers, "*" to everybody.
  std::vector<approver_level> resolve_levels(index_t rule, index_t requester) const;

 private:
  struct person_info {
    std::vector<std::string> managers;
    std::string flag;  // "group NAME" when one of the person's groups requires manager approval
  };
  struct server_info {
    std::vector<std::string_view> accounts;
    std::string flag;  // "server group NAME"
  };
  struct level_info {
    std::vector<std::string> fixed;  // resolved names and group members, in order
    bool manager = false;            // `manager` appears: add the requester's managers
    config::condition condition = config::condition::any;
  };
  struct rule_info {
    bool any_account = false;
    std::vector<std::string_view> accounts;
    std::vector<level_info> levels;
  };
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using name_map = std::unordered_map<std::string, index_t, string_hash, std::equal_to<>>;

  // Bit `r` of row `row` in a row-major bit matrix of `words_` words per row.
  bool bit(const std::vector<std::uint64_t>& m, index_t row, index_t r) const {
    return (m[std::size_t(row) * words_ + r / 64] >> (r % 64)) & 1u;
  }
  void set_bit(std::vector<std::uint64_t>& m, index_t row, index_t r) {
    m[std::size_t(row) * words_ + r / 64] |= std::uint64_t{1} << (r % 64);
  }
  void build_people();
  void build_servers();
  void build_rules();

  const config::config* config_;
  std::size_t words_ = 0;  // 64-bit words per bit row (one bit per rule)
  name_map person_by_name_;
  name_map server_by_name_;
  std::unordered_map<std::string, std::vector<index_t>, string_hash, std::equal_to<>>
      members_of_group_;  // user group -> people
  std::vector<person_info> people_;
  std::vector<server_info> servers_;
  std::vector<rule_info> rules_;
  std::vector<rule_terms> terms_;
  std::vector<std::uint64_t> person_match_, person_named_;  // people x rules
  std::vector<std::uint64_t> server_match_, server_named_;  // servers x rules
};

}  // namespace gatehouse::policy
