// `intact capture`: records a session on the loopback adapter into a pcapng file,
// by handing over to Wireshark's dumpcap (or tshark) with the right filter.
//
// It captures nothing itself: it builds the command line and replaces itself
// with dumpcap, so Ctrl-C, the exit code and every message are dumpcap's own.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/failure.hpp"
#include "net/endpoint.hpp"

namespace intact::cli {
namespace {

struct CaptureArgs {
  std::uint16_t port = 8080;
  std::string interface = "lo";
  std::string output = "intact.pcapng";
  std::string filter;
  std::optional<std::chrono::milliseconds> duration;
  std::optional<long> count;
  bool pcap = false;
};

const CommandRegistration registration{
    "capture",
    "record the traffic of a port on the loopback adapter into a pcapng file (runs dumpcap)", 65,
    [](CLI::App& sub) -> Runner {
      auto args = std::make_shared<CaptureArgs>();
      add_port(sub, "-p,--port", args->port, kPeerPorts, "the TCP port to record (both directions)");
      sub.add_option("-i,--interface", args->interface, "the interface to record on")
          ->type_name("NAME")
          ->capture_default_str();
      sub.add_option("-w,--write", args->output, "the capture file to write")
          ->type_name("FILE")
          ->capture_default_str();
      sub.add_option("-f,--filter", args->filter,
                     "a capture filter to use instead of 'tcp port PORT' (pcap-filter syntax)")
          ->type_name("FILTER");
      // The bound: dumpcap counts whole seconds and an int of packets; a day is a long recording.
      add_duration(sub, "--duration", args->duration, {std::chrono::seconds(1), std::chrono::hours(24)},
                   "stop after this long (e.g. 30s, 2m; rounded up to whole seconds)");
      add_number(sub, "-c,--count", args->count, {1, 1'000'000'000}, "stop after this many packets");
      sub.add_flag("--pcap", args->pcap, "write the classic pcap format instead of pcapng");
      sub.footer(
          "Stop it with Ctrl-C. It needs the right to capture: root, or a user in the\n"
          "'wireshark' group (dpkg-reconfigure wireshark-common). Without intact, the same:\n"
          "  dumpcap -i lo -f 'tcp port 8080' -w intact.pcapng\n"
          "Then: intact verify --key-file lab.key intact.pcapng\n"
          "  or: tshark -X lua_script:contrib/wireshark/intact.lua -r intact.pcapng -V\n"
          "Exit codes: 0 ok, or dumpcap's own status once it runs; 1 neither dumpcap nor tshark "
          "could be started, 2 usage.");
      return [args]() -> Failure {
        std::string filter = args->filter;
        if (filter.empty()) filter = "tcp port " + std::to_string(args->port);
        std::vector<std::string> argv = {"dumpcap", "-i", args->interface, "-f",
                                         filter,    "-w", args->output};
        if (args->pcap) argv.push_back("-P");
        if (args->duration) {
          auto ms = *args->duration;
          auto seconds =
              static_cast<long long>(std::ceil(static_cast<double>(ms.count()) / 1000.0));
          argv.push_back("-a");
          argv.push_back("duration:" + std::to_string(std::max(1LL, seconds)));
        }
        if (args->count) {
          argv.push_back("-c");
          argv.push_back(std::to_string(*args->count));
        }
        std::cerr << "intact: recording '" << filter << "' on " << args->interface << " into "
                  << args->output << " (stop with Ctrl-C)" << std::endl;
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        // dumpcap first: it is what tshark itself runs to capture. tshark takes the same options.
        for (const char* tool : {"dumpcap", "tshark"}) {
          cargv[0] = const_cast<char*>(tool);
          ::execvp(tool, cargv.data());
          if (errno != ENOENT) {
            throw Error(Failure::io, std::string("cannot run ") + tool + ": " + std::strerror(errno));
          }
        }
        throw Error(Failure::io, "neither dumpcap nor tshark is installed; install Wireshark's command-line tools "
            "(Debian: apt-get install tshark), or record with tcpdump -i lo -w intact.pcap "
            "'tcp port " +
            std::to_string(args->port) + "'");
      };
    }};

}  // namespace
}  // namespace intact::cli
