#include "cli/relay_options.hpp"

#include <iostream>

#include "cli/key_source.hpp"
#include "intact/failure.hpp"
#include "stream/child_process.hpp"

namespace intact::cli {

void RelayArgs::add_to(CLI::App& sub, const std::string& timeout_help) {
  key.add_to(sub);
  sub.add_option("-n,--name", name, "name shown to the peer in the handshake (none if not given)")
      ->type_name("NAME");
  sub.add_flag("--progress", progress,
               "print bytes sent and received, and the rates, on standard error every second");
  add_number(sub, "--frame-size", frame_size, {1, v1::kMaxPayload},
             "largest payload per frame in bytes, at most 1 MiB: bigger frames mean fewer tags "
             "and system calls")
      ->type_name("BYTES");
  add_duration(sub, "--handshake-timeout", handshake_timeout, kHandshakeTimeouts, timeout_help);
  // Which options exclude each other is checked in relay(), with a message of
  // ours, so the help shows no parser notes ("Excludes: -6").
  sub.add_flag("-4", ipv4, "IPv4 only: resolve and use IPv4 addresses only");
  sub.add_flag("-6", ipv6, "IPv6 only: resolve and use IPv6 addresses only");
  sub.add_flag("--send-only", send_only,
               "only send standard input; the peer's bytes are verified and discarded");
  sub.add_flag("--recv-only", recv_only,
               "only receive to standard output; standard input is not read, and our direction "
               "is closed (authenticated CLOSE) right after the handshake");
  sub.add_option("-e,--exec", exec,
                 "run CMD with /bin/sh -c, its standard input and output being the channel (as "
                 "ncat -e). The channel is authenticated but NOT encrypted: anyone on the path "
                 "reads every byte")
      ->type_name("CMD");
}

stream::RelayOptions RelayArgs::relay(v1::Role role) const {
  if (ipv4 && ipv6) throw Error(Failure::usage, "-4 and -6 exclude each other: give one");
  if (send_only && recv_only)
    throw Error(Failure::usage, "--send-only and --recv-only exclude each other: give one");
  if (!exec.empty() && (send_only || recv_only))
    throw Error(Failure::usage, "--exec carries both directions: it takes no --send-only or --recv-only");
  stream::RelayOptions r;
  r.role = role;
  r.name = name;
  r.progress = progress;
  r.frame_payload = frame_size;
  r.handshake_timeout = handshake_timeout;
  r.send = !recv_only;
  r.receive = !send_only;
  return r;
}

Failure run_relay(int socket_fd, const Key& key, stream::RelayOptions relay, const std::string& exec) {
  if (exec.empty()) return stream::relay_stream(socket_fd, key, relay);
  stream::close_on_exec(socket_fd);
  stream::ChildProcess child(exec, {kKeyEnvironment});
  relay.input_fd = child.from_child();
  relay.output_fd = child.to_child();
  relay.input_name = "the output of --exec's command";
  relay.output_name = "the input of --exec's command";
  try {
    stream::relay_stream(socket_fd, key, relay);
  } catch (...) {
    child.wait(true);
    throw;
  }
  int status = child.wait(false);
  if (status != 0)
    throw Error(Failure::io, "the channel closed cleanly, but --exec's command exited with status " +
                                 std::to_string(status));
  return Failure::none;
}

}  // namespace intact::cli
