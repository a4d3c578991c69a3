#pragma once

#include <string>

#include "http/admin_broker.hpp"
#include "http/ask.hpp"
#include "http/conformance_checker.hpp"
#include "model/config.hpp"
#include "model/result.hpp"

/// The admin broker's and the conformance check's calls as awaitables, shared by the admin API
/// and the sandbox routes, which add models the same way. Plain functions: GCC 12 must not see
/// these lambdas inside a co_await expression.
namespace janus::http {

/// admin_broker::add_model.
inline auto ask_add(admin_broker& admin, model_config&& model) {
  return ask<result<std::string>>([&admin, model = std::move(model)](auto done) mutable {
    admin.add_model(std::move(model), std::move(done));
  });
}

/// conformance_checker::check; `model` must outlive the wait.
inline auto ask_conformance(conformance_checker& checker, const model_config& model) {
  return ask<result<std::string>>([&checker, &model](auto done) {
    checker.check(model, std::move(done));
  });
}

} // namespace janus::http
