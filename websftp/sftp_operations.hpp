#pragma once
// What the file browser asks of an open web SFTP session, each answering one HTTP exchange
// (web/http_stream.hpp): a listing as JSON, a download and an upload streamed in
// transfer_piece pieces with at most pieces_in_flight requests outstanding (memory per
// transfer stays under 1 MiB whatever the file's size; a slow browser or server slows the
// other side down), rename, make directory, delete. Failures answer JSON {"error": "..."}
// (the server's words, or the session's end). Includes Beast through http_stream: only the
// front end's .cpp files include it. io_context thread only.
#include <boost/asio/awaitable.hpp>

#include <string>

namespace gatehouse::web {
class streamed_exchange;
}

namespace gatehouse::websftp {

class sftp_session;

// A JSON reply {"error": text} (the text through core/json_text).
boost::asio::awaitable<void> reply_error(web::streamed_exchange& ex, int status,
                                         const std::string& text);

boost::asio::awaitable<void> list_directory(web::streamed_exchange& ex, sftp_session& s,
                                            const std::string& path);
boost::asio::awaitable<void> download_file(web::streamed_exchange& ex, sftp_session& s,
                                           const std::string& path);
boost::asio::awaitable<void> upload_file(web::streamed_exchange& ex, sftp_session& s,
                                         const std::string& path);
// rename (to set), mkdir, delete (a directory when `directory`).
boost::asio::awaitable<void> change(web::streamed_exchange& ex, sftp_session& s,
                                    const std::string& what, const std::string& path,
                                    const std::string& to, bool directory);
// REALPATH: the absolute form of `path` ("" when the server cannot say).
boost::asio::awaitable<std::string> real_path(sftp_session& s, const std::string& path);

}  // namespace gatehouse::websftp
