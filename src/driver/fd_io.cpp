#include "driver/fd_io.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace intact::driver {

int write_all(int fd, std::span<const std::uint8_t> bytes) noexcept {
  iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
  return write_all_gathered(fd, &iov, 1);
}

int write_all_gathered(int fd, iovec* iov, int count) noexcept {
  while (count > 0) {
    if (iov->iov_len == 0) {
      ++iov;
      --count;
      continue;
    }
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      // An inherited non-blocking descriptor (a shell left O_NONBLOCK on a
      // shared pipe): wait until it drains instead of failing.
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return errno;
    }
    auto left = static_cast<std::size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<std::uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

long read_some(int fd, std::span<std::uint8_t> into) noexcept {
  for (;;) {
    ssize_t n = ::read(fd, into.data(), into.size());
    if (n >= 0) return static_cast<long>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (errno != EINTR) return -static_cast<long>(errno);
  }
}

bool readable_now(int fd) noexcept {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, 0);
    if (r >= 0) return r > 0;
    if (errno != EINTR) return false;
  }
}

}  // namespace intact::driver
