// driver/fd_io.hpp: blocking reads and writes on file descriptors (sockets,
// pipes, terminals) that retry interrupted and partial transfers.
//
// The byte-stream relay runs one thread per direction, each doing blocking
// system calls on its own half, and FdPump drives a session over a blocking
// socket, so these are thin wrappers over read/writev:
// they never buffer, never allocate, and report failure as an errno value the
// caller turns into a message. They know nothing of any protocol.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace intact::driver {

// Writes every byte; returns 0, or the errno that stopped it (EPIPE, ECONNRESET, ...).
int write_all(int fd, std::span<const std::uint8_t> bytes) noexcept;

// Writes every byte of the iovec array with as few writev calls as the kernel
// allows. The array is modified (advanced past what was written). Returns 0 or errno.
int write_all_gathered(int fd, iovec* iov, int count) noexcept;

// One read; retries EINTR. Returns bytes read, 0 at end of file, or -errno.
long read_some(int fd, std::span<std::uint8_t> into) noexcept;

// True when `fd` has bytes (or end of file) ready now, without waiting.
bool readable_now(int fd) noexcept;

}  // namespace intact::driver
