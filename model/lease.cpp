#include "model/lease.hpp"

namespace janus {

std::string_view to_string(start_kind kind) {
  switch (kind) {
    case start_kind::warm:
      return "warm";
    case start_kind::prewarmed:
      return "prewarmed";
    case start_kind::cold:
      return "cold";
    case start_kind::resumed:
      return "resumed";
    case start_kind::fallback:
      return "fallback";
  }
  return "unknown";
}

std::string_view to_string(lease_outcome outcome) {
  switch (outcome) {
    case lease_outcome::ok:
      return "ok";
    case lease_outcome::failed_before_first_byte:
      return "failed_before_first_byte";
    case lease_outcome::failed_mid_stream:
      return "failed_mid_stream";
    case lease_outcome::client_gone:
      return "client_gone";
    case lease_outcome::refused:
      return "refused";
    case lease_outcome::timed_out:
      return "timed_out";
  }
  return "unknown";
}

} // namespace janus
