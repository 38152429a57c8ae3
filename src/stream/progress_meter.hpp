// stream/progress_meter.hpp: the optional `--progress` line on standard error
// for a byte-stream relay: bytes sent and received, and the current rates.
//
// Counting is two relaxed atomic additions per frame, so the relay's threads
// never wait for it. The meter writes only to standard error, and only when asked.
// Where standard error goes decides how (as curl and pv do):
//   - a file or a pipe: one line per second, each its own line (a log);
//   - a terminal of its own (the data in and out are files or pipes): one line,
//     redrawn in place with '\r' every second and ended by the final report;
//   - the same terminal as standard input or output (typing, or the data shown):
//     a line redrawn there would be torn by the data and the typing, so only the
//     final report is printed, on a line of its own, once the stream is over.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace intact::stream {

// "1.50 GiB", "512 B": a byte count as a person reads it.
std::string format_bytes(std::uint64_t bytes);
// "1.40 GiB/s": a rate in the units of format_bytes (binary, 1 KiB = 1024 B),
// so a size and its rate read alike ("sent 1.00 GiB (512.00 MiB/s)").
std::string format_rate(double bytes_per_second);

class ByteCounters {
 public:
  void add_sent(std::uint64_t n) noexcept { sent_.fetch_add(n, std::memory_order_relaxed); }
  void add_received(std::uint64_t n) noexcept { received_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t received() const noexcept { return received_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
};

enum class ProgressStyle { log, live, final_only };
// The style for this process's standard error, as above.
ProgressStyle progress_style();

// Prints a progress line every second while alive (unless final_only), and a final one on stop().
class ProgressMeter {
 public:
  explicit ProgressMeter(const ByteCounters& counters);
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;
  void stop();

 private:
  void run();
  void print(bool final);

  const ByteCounters& counters_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_time_;
  std::uint64_t last_sent_ = 0;
  std::uint64_t last_received_ = 0;
  ProgressStyle style_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace intact::stream
