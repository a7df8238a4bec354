// A plain TCP forwarder from a loopback port to a server's, keeping every byte both ways, as a
// packet capture on loopback would: what tests of "nothing in clear on the wire" read.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>

namespace sd::test {

// Forwards one connection at a time from a loopback port to `target_port`, recording all.
class WireRelay {
 public:
  explicit WireRelay(uint16_t target_port) : target_port_(target_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~WireRelay() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::string bytes() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(target_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
        relay(client, server);
      ::close(server);
      ::close(client);
    }
  }
  void relay(int client, int server) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    char buffer[16384];
    while (!stopping_ && ::poll(fds, 2, 200) >= 0) {
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n <= 0) return;
        {
          std::lock_guard lock(mutex_);
          seen_.append(buffer, static_cast<size_t>(n));
        }
        if (::write(fds[1 - i].fd, buffer, static_cast<size_t>(n)) != n) return;
      }
    }
  }

  uint16_t target_port_, port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::string seen_;
  std::thread thread_;
};

}  // namespace sd::test
