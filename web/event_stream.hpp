#pragma once
// Server-sent events as text (the HTML standard's text/event-stream): one event, each line of
// its data its own `data:` line, so no text from outside can end the event early or start
// another. Used by every streamed events route (the app waiting page, the file browser).
#include <string>
#include <string_view>

namespace gatehouse::web {

// "event: NAME\ndata: LINE\n...\n\n".
std::string sse_event(std::string_view name, std::string_view data);

}  // namespace gatehouse::web
