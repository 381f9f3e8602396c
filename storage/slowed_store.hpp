#pragma once
// A fault to inject in the running daemon, for the tests that show a slow store never stalls a
// relay, a held connection or the admin socket: every store call first sleeps a fixed time.
//
// Only builds with GATEHOUSE_TEST_HOOKS (Debug and Sanitize: the builds the test suite runs)
// honour GATEHOUSE_TEST_STORE_DELAY_MS; the Release build that is installed ignores it, so no
// environment can slow a production daemon.
//
// Ownership: slowed_if_asked() takes the store and, when it wraps it, the wrapper owns it.
// Thread-safety: as the inner store's (the sleep holds no lock).
#include <memory>

#include "policy/store.hpp"

namespace gatehouse::storage {

// `store` itself, or (test builds with GATEHOUSE_TEST_STORE_DELAY_MS=N set, N > 0) a store
// that sleeps N ms before every call and then hands it to `store`.
std::unique_ptr<policy::store> slowed_if_asked(std::unique_ptr<policy::store> store);

}  // namespace gatehouse::storage
