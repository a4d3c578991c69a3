#include "http/request_id.hpp"

#include <cstdint>
#include <random>

namespace janus::http {

namespace {

bool usable(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

std::uint64_t next_random() {
  // splitmix64 over a per-thread seed: distinct across threads, fast, good enough for ids.
  thread_local std::uint64_t state = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

std::string request_id_for(std::string_view from_client) {
  if (usable(from_client)) {
    return std::string{from_client};
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string id(16, '0');
  auto value = next_random();
  for (int i = 15; i >= 0; --i) {
    id[static_cast<std::size_t>(i)] = digits[value & 0xf];
    value >>= 4;
  }
  return id;
}

} // namespace janus::http
