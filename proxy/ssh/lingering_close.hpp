#pragma once
// The last step of ending a person's connection. close(2) on a TCP socket whose receive queue
// still holds unread bytes (a keystroke, a window adjust) sends RST instead of FIN, and a
// client that gets RST may throw away what it had not read yet: the goodbye text and the
// DISCONNECT that says why the session ended. So: FIN after the last byte written
// (shutdown), then read and drop whatever the person still sends until they close too or
// `limit` passes, then close.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>

namespace gatehouse::proxy::ssh {

// Takes `fd` (a duplicate of the connection's socket that still holds it open).
void lingering_close(const boost::asio::any_io_executor& executor, int fd,
                     std::chrono::milliseconds limit = std::chrono::seconds(2));

}  // namespace gatehouse::proxy::ssh
