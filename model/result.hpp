#pragma once

#include <utility>
#include <variant>

#include "model/errc.hpp"

namespace janus {

/// Either a value or an expected failure. Used across layers that do not depend on CAF
/// (runtime, http); actors convert at their boundary.
template <class T>
class result {
public:
  result(T value) : state_(std::move(value)) {
  }

  result(error_info error) : state_(std::move(error)) {
  }

  /// True when a value is held.
  bool ok() const noexcept {
    return state_.index() == 0;
  }

  explicit operator bool() const noexcept {
    return ok();
  }

  T& value() {
    return std::get<0>(state_);
  }

  const T& value() const {
    return std::get<0>(state_);
  }

  const error_info& error() const {
    return std::get<1>(state_);
  }

private:
  std::variant<T, error_info> state_;
};

} // namespace janus
