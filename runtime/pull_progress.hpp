#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "model/config.hpp"
#include "model/image_ref.hpp"

/// The pure part of an image pull through the Docker Engine API (`POST /images/create`): the
/// path and the X-Registry-Auth header janusd sends, and what it reads from the answer, a
/// stream of JSON progress lines. No I/O, so every function has a unit test; lines are read with
/// RapidJSON's iterative parser, bounded in depth (and in length by the caller's line splitter).
namespace janus::docker {

/// The longest progress line read; a longer one is skipped whole (the engine's are < 1 KiB).
constexpr std::size_t max_pull_line = 64 * 1024;

/// Layers tracked at most in one pull (an image has tens): more are counted as one.
constexpr std::size_t max_pull_layers = 1024;

/// `/images/create?fromImage=<repository>&tag=<tag or digest>` (without the version prefix).
std::string pull_path(const image_ref& ref);

/// The credentials of `registry` (its server equal to `ref.registry_host()`) among `known`;
/// nullptr when none is listed.
const registry_credentials* credentials_for(const image_ref& ref,
                                            const std::vector<registry_credentials>& known);

/// The value of X-Registry-Auth: base64url (RFC 4648, with padding) of
/// `{"username":..,"password":..,"serveraddress":..}`.
std::string registry_auth(const registry_credentials& credentials);

/// One line of a pull's progress stream.
struct pull_line {
  /// "Pulling from miner/x", "Pulling fs layer", "Downloading", "Pull complete",
  /// "Digest: sha256:...", "Status: Downloaded newer image for ...".
  std::string status;
  /// The layer (12 hex digits) or the tag the status is about; may be empty.
  std::string id;
  /// The failure (`error`, else `errorDetail.message`), cleaned; empty for progress.
  std::string error;
};

/// Reads one line; nullopt for a line that is not a JSON object.
std::optional<pull_line> parse_pull_line(std::string_view line);

/// What a pull's progress stream said so far: its layers, the digest, and a failure. Fed line by
/// line; its memory is bounded (max_pull_layers).
class pull_progress {
public:
  /// Takes one line of the stream (see parse_pull_line); a line that is not JSON is counted.
  void feed(std::string_view line);

  /// The stream reported a failure (an `error` line): its words, cleaned. Empty otherwise.
  const std::string& error() const noexcept {
    return error_;
  }

  /// Layers announced, and those complete (pulled, or present already).
  std::size_t layers() const noexcept {
    return layers_.size();
  }
  std::size_t layers_done() const noexcept {
    return done_.size();
  }

  /// The image's digest (`sha256:...`), once the stream named it.
  const std::string& digest() const noexcept {
    return digest_;
  }

  /// The final status line, e.g. "Downloaded newer image for x:1"; empty before it came.
  const std::string& outcome() const noexcept {
    return outcome_;
  }

  /// Lines read, and lines that were not JSON objects.
  std::size_t lines() const noexcept {
    return lines_;
  }
  std::size_t malformed() const noexcept {
    return malformed_;
  }

private:
  std::set<std::string> layers_;
  std::set<std::string> done_;
  std::string digest_;
  std::string outcome_;
  std::string error_;
  std::size_t lines_ = 0;
  std::size_t malformed_ = 0;
};

} // namespace janus::docker
