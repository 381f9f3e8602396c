#pragma once
// Helpers for the config loader tests: inline YAML loaded under the name "test.yaml" with its
// problems as text, a temporary directory for key files, and real public keys.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"

namespace gatehouse::config::testing {

// Real keys made with ssh-keygen; host_fingerprint is host_key's SHA256 fingerprint.
inline const std::string alice_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICUC4i4HdAa96yJHeynjmJxJhUb799sJnj+83iRx2TeI "
    "alice@example";
inline const std::string bob_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBRI1nFFQOJGZMITUz3IxuzysIJpzPWKKeS/yr1TNNa7 bob@example";
inline const std::string ecdsa_key =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEYEwaJkg8swEGNJGoYQJXwb+AnT0o9tl+"
    "Y80H726C+"
    "kOEHP7CE9HGB7OaQntExt6yqGAjNbUf7m/Yp8i9SitJU= ec@example";
inline const std::string host_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDux25cEJ2218gu0V/uk2EXeFngy2RNRGlo0VgIVbZzy";
inline const std::string host_fingerprint = "SHA256:fyzNMfe4PyZ9ZgSqa3NHNT2os9nJfacly/kAaVPx3Fo";

// The problems of `yaml` as "test.yaml:LINE:COLUMN: message" lines.
inline std::vector<std::string> problems(std::string_view yaml,
                                         const std::string& base_dir = "/nonexistent") {
  std::vector<std::string> out;
  for (const auto& d : load_string(yaml, "test.yaml", base_dir).problems)
    out.push_back(d.to_string());
  return out;
}

using lines = std::vector<std::string>;

// Every problem of a load, one per line, for a failure message.
inline std::string joined(const std::vector<diagnostic>& problems) {
  std::string out;
  for (const auto& d : problems) out += d.to_string() + "\n";
  return out;
}

// A fresh directory, removed with everything in it at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gatehouse-config-XXXXXX").string();
    if (!mkdtemp(pattern.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Writes `content` to NAME (making directories) and returns its full path.
  std::string write(std::string_view name, std::string_view content) const {
    auto full = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << content;
    return full.string();
  }

 private:
  std::string path_;
};

}  // namespace gatehouse::config::testing
