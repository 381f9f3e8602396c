#pragma once
// Which env requests of a person's session are passed on to the target (ssh.accept_env, like
// sshd's AcceptEnv): a name is accepted when it matches one of the patterns, exact names or
// patterns where `*` stands for any run of characters and `?` for one. Everything else is
// refused (default deny). Pure and thread-safe.
#include <span>
#include <string>
#include <string_view>

namespace gatehouse::proxy::ssh {

// `text` matches `pattern` as a whole ('*' any run, '?' any one character; case-sensitive).
bool wildcard_match(std::string_view pattern, std::string_view text);

bool env_name_accepted(std::span<const std::string> patterns, std::string_view name);

}  // namespace gatehouse::proxy::ssh
