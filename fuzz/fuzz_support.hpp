#pragma once
// What the libFuzzer harnesses in fuzz/ share: a failed invariant aborts with a message (so
// libFuzzer keeps the input as a crash), and a small, valid configuration whose key files
// exist in a private temporary directory (for the harnesses that resolve names against one).
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace gatehouse::fuzz {

// Prints "invariant broken: WHAT" with `detail` and aborts when `ok` is false.
void require(bool ok, std::string_view what, std::string_view detail = {});

// The input's next line (without its '\n'), taken off the front of `rest`; the last field is
// what is left. Harnesses whose input is "FIELD\nFIELD\n...BODY" split it with this.
std::string_view next_field(std::string_view& rest);

// The harness's world (store, services), made anew every `every` inputs so that what inputs
// pile up in it (requests, tokens) stays small: `static std::unique_ptr<world> w;` then
// `auto& now = fresh_world(w);` at the start of each input.
template <typename World>
World& fresh_world(std::unique_ptr<World>& w, unsigned every = 2000) {
  static unsigned runs = 0;
  if (!w || ++runs % every == 0) {
    w.reset();  // the old one goes first: two worlds may not share their files at once
    w = std::make_unique<World>();
  }
  return *w;
}

// A directory with the files the fixture configuration names (host key, account keys, RDP
// token key, TLS files): created once per process, removed at exit.
const std::string& fixture_dir();

// The fixture configuration (people alice, bob, carol; servers web01, db01, win01; rules of
// each mode; listen.http with public_url https://gate.example), loaded once through
// config::load_string. Aborts if it does not load.
std::shared_ptr<const config::config> fixture_config();

// The same YAML text (also the config harness's first seed).
std::string_view fixture_yaml();

}  // namespace gatehouse::fuzz
