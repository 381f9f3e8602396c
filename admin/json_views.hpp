#pragma once
// The JSON shapes of SPEC's `--json` objects: requests, grants (and later sessions).
// Shared by the admin API and the web JSON API. Beyond SPEC's fields a request has `history`:
// [{event: reassigned|revoked|grant_ended, actor (null for the clock), text, at}] - the steps
// after filing that are no decision (`comments` keeps only people's comments).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <vector>

#include "policy/grant.hpp"
#include "policy/request.hpp"

namespace gatehouse::admin {

boost::json::object to_json(const policy::request& r);
boost::json::object to_json(const policy::grant& g);

template <typename T>
boost::json::array to_json_array(const std::vector<T>& items) {
  boost::json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace gatehouse::admin
