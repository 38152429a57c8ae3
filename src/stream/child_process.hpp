// stream/child_process.hpp: `--exec CMD`, a command whose standard input and
// output are the two directions of the authenticated channel (as `ncat -e`,
// socat's EXEC).
//
// ChildProcess runs `/bin/sh -c CMD` with its standard input and output on two
// pipes (standard error stays ours) and hands the relay the other ends:
// to_child() takes the verified bytes from the peer, from_child() gives what
// the command writes. wait() closes our ends (the command sees its end of
// input) and reaps it. Nothing of ours but those two pipes reaches the command:
// every other descriptor intact opens is close-on-exec.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace intact::stream {

class ChildProcess {
 public:
  // Starts the command with our environment but for the variables named in
  // `withheld` (the key's: a command on an unencrypted channel must not be
  // able to print it); throws intact::Error (Failure::io) if it cannot.
  ChildProcess(const std::string& command, const std::vector<std::string>& withheld);
  ~ChildProcess();  // a child never waited for is terminated and reaped
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int to_child() const noexcept { return to_child_; }
  int from_child() const noexcept { return from_child_; }

  // Closes our ends and waits for the command to end; `terminate` first sends
  // it SIGTERM (the channel failed: what it would still write has nowhere to
  // go). Returns the shell's status as a shell gives it: the exit code, or 128
  // plus the signal that ended it. Idempotent.
  int wait(bool terminate);

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int status_ = 0;
};

// Marks a descriptor close-on-exec, so a command started by --exec does not
// hold our socket open (Asio opens sockets without the flag).
void close_on_exec(int fd) noexcept;

}  // namespace intact::stream
