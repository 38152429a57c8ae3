#include "stream/progress_meter.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace intact::stream {

std::string format_bytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

std::string format_rate(double bytes_per_second) {
  static const char* units[] = {"B/s", "KiB/s", "MiB/s", "GiB/s"};
  double v = bytes_per_second;
  int u = 0;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

namespace {
// Whether `fd` is the terminal `tty` (the same device).
bool same_terminal(int fd, const struct stat& tty) {
  struct stat st{};
  return ::isatty(fd) == 1 && ::fstat(fd, &st) == 0 && st.st_rdev == tty.st_rdev;
}
}  // namespace

ProgressStyle progress_style() {
  struct stat err{};
  if (::isatty(STDERR_FILENO) != 1 || ::fstat(STDERR_FILENO, &err) != 0) return ProgressStyle::log;
  if (same_terminal(STDIN_FILENO, err) || same_terminal(STDOUT_FILENO, err)) return ProgressStyle::final_only;
  return ProgressStyle::live;
}

ProgressMeter::ProgressMeter(const ByteCounters& counters)
    : counters_(counters),
      start_(std::chrono::steady_clock::now()),
      last_time_(start_),
      style_(progress_style()),
      thread_([this] { run(); }) {}

ProgressMeter::~ProgressMeter() { stop(); }

void ProgressMeter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  print(true);
}

void ProgressMeter::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; }))
    if (style_ != ProgressStyle::final_only) print(false);
}

void ProgressMeter::print(bool final) {
  auto now = std::chrono::steady_clock::now();
  std::uint64_t sent = counters_.sent();
  std::uint64_t received = counters_.received();
  // The running line shows the rate over the last second; the final one the average.
  auto since = final ? start_ : last_time_;
  double seconds = std::chrono::duration<double>(now - since).count();
  if (seconds <= 0) seconds = 1e-9;
  double tx = static_cast<double>(sent - (final ? 0 : last_sent_)) / seconds;
  double rx = static_cast<double>(received - (final ? 0 : last_received_)) / seconds;
  last_time_ = now;
  last_sent_ = sent;
  last_received_ = received;
  std::string line = "intact: sent " + format_bytes(sent) + " (" + format_rate(tx) +
                     "), received " + format_bytes(received) + " (" + format_rate(rx) + ")";
  if (final) line += " in " + std::to_string(std::chrono::duration<double>(now - start_).count()).substr(0, 6) + " s";
  switch (style_) {
    case ProgressStyle::live:  // the line rewrites itself; the final report ends it
      std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), final ? "\n" : "");
      break;
    case ProgressStyle::final_only:
      // After data shown on this terminal, which may not have ended its line.
      std::fprintf(stderr, "%s%s\n", received > 0 && ::isatty(STDOUT_FILENO) == 1 ? "\n" : "", line.c_str());
      break;
    case ProgressStyle::log: std::fprintf(stderr, "%s\n", line.c_str()); break;
  }
  std::fflush(stderr);
}

}  // namespace intact::stream
