#pragma once

#include <string>
#include <string_view>

namespace janus::http {

/// The client's request id when it is usable (1 to 128 visible ASCII characters), else a new
/// random 16-hex-digit id. Cheap: no lock, no system call.
std::string request_id_for(std::string_view from_client);

} // namespace janus::http
