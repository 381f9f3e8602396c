#include "config/key_file_modes.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <vector>

namespace gatehouse::config {

namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", unsigned(mode & 07777));
  return buf;
}

std::string group_name(gid_t gid) {
  ::group entry{};
  ::group* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found)
    return found->gr_name;
  return std::to_string(gid);
}

// `own_group_too`: the daemon's own group may not read it either (the CA key).
void check(const std::string& path, std::vector<std::string>& out, bool own_group_too = false) {
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return;
  if (info.st_mode & S_IROTH) {
    out.push_back(path + " is readable by everyone (mode " + octal(info.st_mode) + ")");
  } else if ((info.st_mode & S_IRGRP) && (own_group_too || info.st_gid != ::getegid())) {
    out.push_back(path + " is readable by group '" + group_name(info.st_gid) + "' (mode " +
                  octal(info.st_mode) + ")");
  }
}

}  // namespace

std::vector<std::string> exposed_key_files(const config& c) {
  std::set<std::string> paths;
  if (c.listen.ssh) paths.insert(c.listen.ssh->host_keys.begin(), c.listen.ssh->host_keys.end());
  if (c.listen.rdp) paths.insert(c.listen.rdp->token_key);
  if (c.listen.http) {
    paths.insert(c.listen.http->tls_key);
    paths.insert(c.listen.http->assertion_key);
  }
  for (const auto& s : c.servers)
    for (const auto& a : s.accounts) paths.insert(a.key_file);
  std::vector<std::string> out;
  for (const auto& p : paths) check(p, out);
  // The CA key signs a login to every server on certificates: the daemon's user alone.
  if (!c.ssh.ca_keys.empty() && !paths.contains(c.ssh.ca_keys.front()))
    check(c.ssh.ca_keys.front(), out, true);
  return out;
}

}  // namespace gatehouse::config
