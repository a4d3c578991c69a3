#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "model/netns_sockets.hpp"
#include "runtime/netns_factory.hpp"

namespace janus {

/// The network namespace of one isolated container: its opened /proc/<pid>/ns/net descriptor and
/// a few spare sockets made inside it. The runtime keeps it while the container lives and
/// close()s it on every path the container goes by (its death, its stop, a failed start, the
/// runtime's end); endpoints share it, and once closed it makes nothing more (every call
/// answers that the container is gone). Sockets are made by the factory's thread (see
/// netns_factory); every call is safe from any thread and never blocks on more than this
/// object's lock.
class netns final : public netns_sockets, public std::enable_shared_from_this<netns> {
public:
  using listener_handler = std::function<void(result<int>)>;

  /// Owns `fd` (an open namespace descriptor). Made by netns_factory::open().
  netns(int fd, std::shared_ptr<netns_factory::worker> worker, int spare_sockets);

  /// Closes what close() did not.
  ~netns() override;

  netns(const netns&) = delete;
  netns& operator=(const netns&) = delete;

  int take_spare() override;

  void make_socket(socket_handler done) override;

  /// Makes a listening TCP socket on 127.0.0.1:`port` inside the namespace (SO_REUSEADDR,
  /// non-blocking, close-on-exec, `backlog` pending connections); `done` runs once on the
  /// factory's thread with the descriptor (the caller owns it) or why it failed. The spares are
  /// made in the same visit.
  void make_listener(std::uint16_t port, int backlog, listener_handler done);

  /// Makes the spares now, so that the first connection finds one (e.g. right after the
  /// container started); nothing happens when they are there or being made.
  void fill_spares();

  /// Closes the namespace descriptor and the spares; later calls fail. Idempotent.
  void close();

  /// Whether close() was called.
  bool closed() const;

  /// The namespace's inode number, which names it (`ip netns identify`, /proc/*/ns/net), for
  /// logs and tests.
  std::uint64_t inode() const noexcept {
    return inode_;
  }

private:
  /// What a visit of the factory's thread makes.
  struct visit {
    int sockets = 0;
    bool listener = false;
    std::uint16_t port = 0;
    int backlog = 0;
  };
  struct visit_result {
    std::vector<int> sockets;
    int listener = -1;
    std::string error;
    /// The socket could not be made for janusd's own shortage (descriptors, memory).
    bool own_shortage = false;
  };

  /// On the factory's thread: enters the namespace, makes what `what` asks for, returns home.
  visit_result run_visit(const visit& what);

  /// Spares missing now, to be made on the next visit; marks a refill as under way.
  int claim_refill_locked();

  /// Keeps the spares a visit made (or closes them when the namespace was closed meanwhile).
  void keep_spares(std::vector<int> made);

  /// Asks the factory's thread for `refill` spares (claimed by claim_refill_locked(); none for
  /// 0), keeping what it makes; the claim is given back when the factory takes no more jobs.
  void post_refill(int refill);

  std::shared_ptr<netns_factory::worker> worker_;
  const int spare_target_;
  std::uint64_t inode_ = 0;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::vector<int> spares_;
  bool refilling_ = false;
};

} // namespace janus
