#pragma once
// Internal to apps/: what app_front_end and the connections it serves share - the directory of
// the configuration in force, one upstream pool per app, the passes (launch tokens, cookies),
// the live app sessions with their grant watches, the holds' context, and the audit events.
// io_context thread only; connections keep it alive by shared_ptr.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "apps/app_directory.hpp"
#include "apps/app_front_end.hpp"
#include "apps/app_passes.hpp"
#include "apps/app_session.hpp"
#include "apps/relay/relay.hpp"
#include "proxy/session/grant_watch.hpp"
#include "proxy/session/hold.hpp"
#include "proxy/session/session_id.hpp"

namespace gatehouse::apps {

struct app_front_end::state : std::enable_shared_from_this<app_front_end::state> {
  state(boost::asio::any_io_executor ex,
        std::function<std::shared_ptr<const config::config>()> config, parts p);

  boost::asio::any_io_executor executor;
  std::function<std::shared_ptr<const config::config>()> current_config;
  parts services;
  const assertion_signer* signer = nullptr;
  approval::token_store* tokens = nullptr;
  std::shared_ptr<proxy::session::hold_context> holds;
  app_passes passes;
  relay_limits limits;

  // The directory of the configuration in force (rebuilt after a reload).
  const app_directory& directory();
  // The app's upstream pool (made on first use; remade when its url or ca_file changed).
  upstream_pool* pool_for(const app_entry& app);

  struct live {
    std::shared_ptr<app_session> session;
    std::unique_ptr<proxy::session::grant_watch> watch;
  };
  std::map<std::string, live> sessions;  // by session id
  // A new session of `person` on `app` (audited session.start, watched, registered).
  std::shared_ptr<app_session> open_session(const std::string& person, const app_entry& app,
                                            const policy::authorization& a, app_session::via how,
                                            const std::string& client);
  std::shared_ptr<app_session> find_session(const std::string& id) const;
  // The live token session of `person` on `app`, if any.
  std::shared_ptr<app_session> token_session(const std::string& person,
                                             const std::string& app) const;

  // Token sessions whose grant ended or was revoked, by (person, app): the text for the 403 that
  // the next token request gets instead of a new hold (SPEC "HTTP", teardown). Taken by it.
  std::map<std::pair<std::string, std::string>, std::string> ended_token_grants;

  // An audit event with the protocol and the session's who and where.
  void event(std::string_view name, boost::json::object fields);
  // The identity headers pass_identity asks for.
  std::vector<std::pair<std::string, std::string>> identity_headers(app_session& s,
                                                                     const app_entry& app,
                                                                     const std::string& origin);
  std::string public_url();
  std::string port_suffix();

 private:
  void closed(app_session& s, const std::string& reason);
  void sweep_idle();

  std::shared_ptr<const config::config> directory_of_;
  app_directory directory_;
  struct pool_entry {
    std::string url, ca_file;
    std::unique_ptr<upstream_pool> pool;
  };
  std::map<std::string, pool_entry> pools_;
  std::uint64_t next_id_ = 0;
  const std::string id_prefix = proxy::session::unique_id_prefix();  // unique across daemons
  boost::asio::steady_timer sweep_;
};

}  // namespace gatehouse::apps
