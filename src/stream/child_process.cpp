#include "stream/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "intact/failure.hpp"

extern char** environ;

namespace intact::stream {

namespace {
void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}
}  // namespace

ChildProcess::ChildProcess(const std::string& command, const std::vector<std::string>& withheld) {
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool keep = true;
    for (const auto& name : withheld)
      if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') keep = false;
    if (keep) env.push_back(*e);
  }
  env.push_back(nullptr);
  int in[2], out[2];  // in: we write, the command reads; out: the command writes, we read
  if (::pipe2(in, O_CLOEXEC) != 0)
    throw Error(Failure::io, std::string("cannot create a pipe for --exec: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(in[0]);
    ::close(in[1]);
    throw Error(Failure::io, std::string("cannot create a pipe for --exec: ") + std::strerror(err));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto 0 and 1 clears close-on-exec there; the originals close at exec.
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  // The command gets the default SIGPIPE (we ignore it) and no blocked signals.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  int err = ::posix_spawn(&pid_, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  if (err != 0) {
    pid_ = -1;
    close_fd(to_child_);
    close_fd(from_child_);
    throw Error(Failure::io, "cannot run /bin/sh for --exec: " + std::string(std::strerror(err)));
  }
}

void close_on_exec(int fd) noexcept {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

ChildProcess::~ChildProcess() { wait(true); }

int ChildProcess::wait(bool terminate) {
  close_fd(to_child_);
  close_fd(from_child_);
  if (pid_ < 0) return status_;
  if (terminate) ::kill(pid_, SIGTERM);
  int raw = 0;
  while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : 1;
  return status_;
}

}  // namespace intact::stream
