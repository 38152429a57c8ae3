// `intact verify`: which messages in a capture file were genuine (pcap or pcapng).
#include <iostream>

#include "capture/capture_verifier.hpp"
#include "capture/verdict_report.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/failure.hpp"
#include "net/endpoint.hpp"

namespace intact::cli {
namespace {

struct VerifyArgs {
  KeyOptions key;
  std::string capture;
  bool json = false;
  bool legacy = false;
  bool v1 = false;
  std::optional<std::uint16_t> port;
};

const CommandRegistration registration{
    "verify",
    "verify every message in a capture file (pcap/pcapng): genuine, modified, replayed, "
    "missing, truncated",
    60, [](CLI::App& sub) -> Runner {
      auto args = std::make_shared<VerifyArgs>();
      args->key.add_to(sub);
      sub.add_option("CAPTURE", args->capture,
                     "the capture file: pcap or pcapng (tshark, dumpcap, tcpdump, "
                     "intact capture); - reads standard input")
          ->type_name("FILE")
          ->required();
      sub.add_flag("--json", args->json, "one JSON object per line instead of text");
      sub.add_flag("--legacy", args->legacy, "read every connection as the lab's format (message|TAG)");
      sub.add_flag("--v1", args->v1, "read every connection as protocol v1");
      add_port(sub, "-p,--port", args->port, kPeerPorts,
               "only connections with this TCP port at either end (without it, all)");
      sub.footer(
          "Reassembles every TCP connection in the capture (both directions, out-of-order and\n"
          "retransmitted segments), detects its format (v1 starts with \"INTACT\", anything else\n"
          "is the lab's format) and feeds it through intact's protocol core with the key.\n"
          "One line per message: connection, direction (c>s, s>c), seq or message number,\n"
          "verdict, type and text. Verdicts: confirmed (v1 handshake), genuine, closed (v1\n"
          "authenticated close), ended (legacy end), modified, replayed, missing (deleted before\n"
          "this one), truncated, malformed, incomplete (the capture lacks packets), over_limit\n"
          "(not verified: over the limit).\n"
          "Memory is bounded whatever the capture: 32 MiB in all by its own accounting\n"
          "(peak_held_bytes in the --json summary): per direction 4 MiB of out-of-order\n"
          "segments (each counted with 128 bytes of overhead) and one frame (1 MiB) plus a\n"
          "64 KiB chunk; 4,096 connections at once. Past a bound, the connection idle the\n"
          "longest (or the direction) is given up and reported over_limit, never silently.\n"
          + std::string(kKeySources) +
          "\nExit codes: 0 every message genuine, 1 an unreadable capture or nothing to verify, "
          "2 usage or a key that cannot be used, 3 any other verdict.\n"
          "Record a capture: intact capture --port 8080 -w chat.pcapng\n"
          "Example: intact verify --key-file lab.key chat.pcapng");
      return [args]() {
        capture::VerifyOptions options;
        if (args->legacy && args->v1)
          throw Error(Failure::usage, "--legacy and --v1 exclude each other: give one");
        if (args->legacy) options.format = capture::FormatChoice::legacy;
        if (args->v1) options.format = capture::FormatChoice::v1;
        if (args->port) options.port = *args->port;
        Key key = args->key.load(args->legacy ? KeyUse::legacy : KeyUse::v1);
        capture::VerdictReport report(std::cout, args->json);
        capture::CaptureStats stats;
        try {
          stats = capture::verify_capture_file(args->capture, key, options, report);
        } catch (const Error&) {
          std::cout.flush();
          throw;
        }
        report.summary(stats);
        std::cout.flush();
        if (stats.connections_with_data == 0) {
          throw Error(Failure::io, "no TCP connection carrying data in " + args->capture +
                          (options.port ? " on port " + std::to_string(*options.port) : std::string()) + " (" +
                          std::to_string(stats.packets) + " packets, link type " + stats.link_type +
                          "); check the capture filter and the --port given");
        }
        return report.bad() == 0 ? Failure::none : Failure::integrity;
      };
    }};

}  // namespace
}  // namespace intact::cli
