// operations::service (operations.hpp): each mutation goes through access_service and is then
// told to the gate service; kill goes to the daemon's session_control.
#include "operations/operations.hpp"

#include "policy/async/gate_service.hpp"

namespace gatehouse::operations {

using policy::result;

service::service(policy::gate_service& gate, session_control& sessions,
                 std::optional<http_token_issuing> http_tokens)
    : gate_(gate), access_(gate.access()), sessions_(sessions), http_tokens_(http_tokens) {}

template <typename T>
result<T> service::told(result<T> outcome) {
  // Also after a refusal: a refusal may follow a change made by another daemon meanwhile.
  gate_.changed();
  return outcome;
}

result<policy::request> service::file(const actor& by, const policy::target& t, policy::filing f) {
  f.filed_by = by.name();
  f.by_administrator = by.is_administrator();  // not counted by the filing limit
  return told(access_.file_request(t, f));
}

result<policy::request> service::approve(const actor& by, policy::request_id id,
                                         policy::approval a) {
  a.admin_override = by.is_administrator();
  return told(access_.approve(id, by.name(), a));
}

result<policy::request> service::deny(const actor& by, policy::request_id id,
                                      const std::string& comment) {
  return told(access_.deny(id, by.name(), comment, by.is_administrator()));
}

result<policy::request> service::cancel(const actor& by, policy::request_id id) {
  return told(access_.cancel(id, by.name(), by.is_administrator()));
}

result<policy::request> service::comment(const actor& by, policy::request_id id,
                                         const std::string& text) {
  return told(access_.comment(id, by.name(), text, by.is_administrator()));
}

result<policy::request> service::fulfil(const actor& by, policy::request_id id, bool failed,
                                        const std::string& text) {
  return told(access_.fulfil(id, by.name(), failed, text, by.is_administrator()));
}

result<policy::request> service::reassign(const actor& by, policy::request_id id,
                                          const std::string& to) {
  return told(access_.reassign(id, by.name(), by.name(), to, by.is_administrator()));
}

result<policy::request> service::perform(const actor& by, policy::request_id id,
                                         const request_action& action) {
  struct visitor {
    service& self;
    const actor& by;
    policy::request_id id;
    result<policy::request> operator()(const approve_action& a) {
      return self.approve(by, id, a.options);
    }
    result<policy::request> operator()(const deny_action& a) {
      return self.deny(by, id, a.comment);
    }
    result<policy::request> operator()(const cancel_action&) { return self.cancel(by, id); }
    result<policy::request> operator()(const comment_action& a) {
      return self.comment(by, id, a.text);
    }
    result<policy::request> operator()(const reassign_action& a) {
      return self.reassign(by, id, a.to);
    }
    result<policy::request> operator()(const fulfil_action& a) {
      return self.fulfil(by, id, a.failed, a.text);
    }
  };
  return std::visit(visitor{*this, by, id}, action);
}

result<policy::grant> service::revoke(const actor& by, policy::grant_id id,
                                      const std::string& comment) {
  return told(access_.revoke(id, by.name(), by.is_administrator(), comment));
}

result<void> service::kill_session(const std::string& session_id, const std::string& by) {
  if (!sessions_.kill(session_id, by))
    return policy::make_error(policy::error_code::not_found, "no live session " + session_id);
  return {};
}

result<policy::request> service::get_request(policy::request_id id) {
  return access_.get_request(id);
}
result<policy::grant> service::get_grant(policy::grant_id id) { return access_.get_grant(id); }
result<std::vector<policy::request>> service::list_requests(const policy::request_filter& f) {
  return access_.list_requests(f);
}
result<std::vector<policy::grant>> service::list_grants(const policy::grant_filter& f) {
  return access_.list_grants(f);
}
std::shared_ptr<const config::config> service::config() const { return access_.config(); }

}  // namespace gatehouse::operations
