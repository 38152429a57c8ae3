// intact_bench_net: the loopback harness behind `make bench` (scripts/bench).
//
// Each mode runs one measurement and prints one JSON object on standard
// output; scripts/bench puts them in the table. Every peer is driven the same
// way in the same run: intact through the real protocol core (V1Session,
// every message sealed and verified), the plain baselines through the same
// sockets without the protocol. Every wait is bounded by --timeout.
//
//   msgrate  --count N --size B           64-byte DATA frames pipelined on one connection
//   latency  --count N --size B [--plain] ping-pong, p50/p99 (intact, or a plain TCP echo)
//   fanout   --port P --clients C --count N [--ncat]   one sender, C receivers in a room
//   maxconn  --port P --target N [--pid PID] [--ncat]  how many members a room holds
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "intact/failure.hpp"
#include "intact/key.hpp"
#include "intact/v1_session.hpp"
#include "driver/fd_io.hpp"
#include "driver/fd_pump.hpp"
#include "driver/session_driver.hpp"

namespace {

using namespace intact;
using clock_type = std::chrono::steady_clock;
using std::chrono::duration;

struct Args {
  std::map<std::string, std::string> values;
  long num(const std::string& name, long fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : std::stol(it->second);
  }
  bool flag(const std::string& name) const { return values.count(name) > 0; }
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument " + k);
    k = k.substr(2);
    if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) a.values[k] = argv[++i];
    else a.values[k] = "1";
  }
  return a;
}

Key bench_key() {
  const char* env = std::getenv("INTACT_KEY");
  return Key::from_hex(env != nullptr ? env : "00112233445566778899AABBCCDDEEFF", "INTACT_KEY");
}

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int listen_loopback(std::uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0)
    throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int e = errno;
    ::close(fd);
    return -e;
  }
  no_delay(fd);
  return fd;
}

// A benchmark peer: a v1 session behind the one session driver, over a blocking
// socket (driver::FdPump), exactly as the stream relay drives its handshake.
struct Peer {
  int fd = -1;
  std::unique_ptr<V1Session> session;
  std::unique_ptr<driver::SessionDriver> driver;
  std::unique_ptr<driver::FdPump> pump;

  std::optional<Event> poll() { return driver->poll(); }
  void send(std::span<const std::uint8_t> payload) {
    if (!driver->send_data(payload)) throw std::runtime_error("send: " + driver->disconnect().detail);
  }
  void close() { driver->close({}, driver::Clock::now()); }
  void flush() { pump->flush(); }
  bool read() { return pump->read(); }
  std::size_t queued() const { return driver->queued_bytes(); }
};

Peer open_peer(int fd, v1::Role role, const Key& key, std::size_t read_size = 1 << 20) {
  Peer p;
  p.fd = fd;
  V1Session::Options o;
  o.role = role;
  o.strict = true;
  p.session = std::make_unique<V1Session>(key, o);
  driver::Limits limits;
  limits.handshake_timeout = std::chrono::seconds(30);
  limits.max_queued_bytes = std::size_t{1} << 30;  // the sender's batch is the bound here
  p.driver = std::make_unique<driver::SessionDriver>(*p.session, limits, driver::Clock::now());
  p.pump = std::make_unique<driver::FdPump>(fd, *p.driver, read_size);
  p.pump->handshake();
  return p;
}

// ---- msgrate: N small DATA frames pipelined on one connection ----
//
// The sender seals messages into the session's output and writes it out when
// it reaches a batch (or when it has nothing more to send), the receiver
// verifies every one. Batching is the caller's policy, not a delay: a lone
// message is written as soon as it is sealed.
int msgrate(const Args& args) {
  const long count = args.num("count", 2000000);
  const auto size = static_cast<std::size_t>(args.num("size", 64));
  const auto batch = static_cast<std::size_t>(args.num("batch", 256 * 1024));
  Key key = bench_key();
  std::uint16_t port = 0;
  int lfd = listen_loopback(&port);
  std::atomic<long> received{0};
  clock_type::time_point end;
  std::thread server([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    auto s = open_peer(fd, v1::Role::server, key);
    long n = 0;
    for (;;) {
      bool closed = false;
      while (auto e = s.poll()) {
        if (e->kind == EventKind::message) ++n;
        else if (e->kind == EventKind::closed) closed = true;
        else throw std::runtime_error("receiver: " + e->detail);
      }
      if (closed || !s.read()) break;
    }
    end = clock_type::now();
    received = n;
    ::close(fd);
  });
  int fd = connect_loopback(port);
  auto s = open_peer(fd, v1::Role::client, key);
  std::vector<std::uint8_t> payload(size, 'm');
  auto start = clock_type::now();
  for (long i = 0; i < count; ++i) {
    s.send(payload);
    if (s.queued() >= batch) s.flush();
  }
  s.close();
  s.flush();
  server.join();
  ::close(fd);
  ::close(lfd);
  double secs = duration<double>(end - start).count();
  std::printf("{\"mode\":\"msgrate\",\"size\":%zu,\"messages\":%ld,\"seconds\":%.4f,"
              "\"messages_per_second\":%.0f}\n",
              size, received.load(), secs, static_cast<double>(received.load()) / secs);
  return received.load() == count ? 0 : 1;
}

// ---- latency: ping-pong ----
double percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int latency(const Args& args) {
  const long count = args.num("count", 20000);
  const auto size = static_cast<std::size_t>(args.num("size", 64));
  const bool plain = args.flag("plain");
  Key key = bench_key();
  std::uint16_t port = 0;
  int lfd = listen_loopback(&port);
  std::thread server([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    no_delay(fd);
    if (plain) {
      std::vector<std::uint8_t> buf(size);
      for (;;) {
        std::size_t have = 0;
        while (have < size) {
          long got = driver::read_some(fd, std::span(buf).subspan(have));
          if (got <= 0) {
            ::close(fd);
            return;
          }
          have += static_cast<std::size_t>(got);
        }
        driver::write_all(fd, buf);
      }
    }
    auto s = open_peer(fd, v1::Role::server, key, 64 * 1024);
    for (;;) {
      bool closed = false;
      while (auto e = s.poll()) {
        if (e->kind == EventKind::message) s.send(e->payload);  // verified, re-sealed
        else closed = true;
      }
      s.flush();
      if (closed || !s.read()) break;
    }
    ::close(fd);
  });
  int fd = connect_loopback(port);
  std::optional<Peer> s;
  if (!plain) s = open_peer(fd, v1::Role::client, key, 64 * 1024);
  std::vector<std::uint8_t> payload(size, 'p'), buf(size);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(count));
  const long warmup = count / 10;
  for (long i = 0; i < count + warmup; ++i) {
    auto t0 = clock_type::now();
    if (plain) {
      driver::write_all(fd, payload);
      std::size_t have = 0;
      while (have < size) {
        long got = driver::read_some(fd, std::span(buf).subspan(have));
        if (got <= 0) throw std::runtime_error("echo server went away");
        have += static_cast<std::size_t>(got);
      }
    } else {
      s->send(payload);
      s->flush();
      bool got = false;
      while (!got) {
        while (auto e = s->poll()) {
          if (e->kind != EventKind::message) throw std::runtime_error("echo: " + e->detail);
          got = true;
        }
        if (!got && !s->read()) throw std::runtime_error("echo server went away");
      }
    }
    if (i >= warmup) us.push_back(duration<double, std::micro>(clock_type::now() - t0).count());
  }
  if (s) {
    s->close();
    s->flush();
  }
  ::shutdown(fd, SHUT_WR);
  server.join();
  ::close(fd);
  ::close(lfd);
  double p50 = percentile(us, 0.50), p99 = percentile(us, 0.99);
  std::printf("{\"mode\":\"latency\",\"peer\":\"%s\",\"size\":%zu,\"round_trips\":%zu,"
              "\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
              plain ? "plain-tcp-echo" : "intact", size, us.size(), p50, p99);
  return 0;
}

// ---- fanout: one sender, C receivers in a room (intact server or ncat --chat) ----
//
// Each receiver counts the messages that carry the marker; a delivery is one
// message reaching one receiver. intact receivers verify every CHAT frame the
// server re-sealed for them; ncat receivers just count lines.
constexpr char kMarker[] = "FANOUT-";

struct Member {
  int fd = -1;
  std::optional<Peer> peer;
};

Member join_room(std::uint16_t port, bool ncat, const Key& key) {
  Member m;
  m.fd = connect_loopback(port);
  if (m.fd < 0) throw std::runtime_error(std::string("connect: ") + std::strerror(-m.fd));
  if (!ncat) m.peer = open_peer(m.fd, v1::Role::client, key);
  return m;
}

// Counts marked messages on one member until `want` arrived or the deadline.
long count_deliveries(Member& m, bool ncat, long want, clock_type::time_point deadline) {
  long n = 0;
  std::string tail;
  std::vector<std::uint8_t> buf(256 * 1024);
  while (n < want && clock_type::now() < deadline) {
    pollfd p{m.fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    if (ncat) {
      long got = driver::read_some(m.fd, buf);
      if (got <= 0) break;
      tail.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(got));
      for (std::size_t at = tail.find(kMarker); at != std::string::npos; at = tail.find(kMarker, at + 1)) ++n;
      std::size_t keep = std::min(tail.size(), sizeof kMarker);
      tail.erase(0, tail.size() - keep);
      continue;
    }
    if (!m.peer->read()) break;
    while (auto e = m.peer->poll()) {
      if (e->kind == EventKind::message) {
        if (e->type == MessageType::chat && e->payload.size() >= sizeof kMarker - 1 &&
            std::memcmp(e->payload.data(), kMarker, sizeof kMarker - 1) == 0)
          ++n;
      } else if (e->kind != EventKind::established) {
        return n;
      }
    }
  }
  return n;
}

int fanout(const Args& args) {
  const auto port = static_cast<std::uint16_t>(args.num("port", 0));
  const long clients = args.num("clients", 100);
  const long count = args.num("count", 2000);
  const bool ncat = args.flag("ncat");
  const double timeout = static_cast<double>(args.num("timeout", 60));
  Key key = bench_key();
  std::vector<Member> receivers;
  for (long i = 0; i < clients; ++i) receivers.push_back(join_room(port, ncat, key));
  Member sender = join_room(port, ncat, key);
  // Let the join notices settle before the clock starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(duration<double>(timeout));
  std::vector<long> got(receivers.size(), 0);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  auto start = clock_type::now();
  for (std::size_t i = 0; i < receivers.size(); ++i)
    threads.emplace_back([&, i] { got[i] = count_deliveries(receivers[i], ncat, count, deadline); });
  // Paced in small bursts, so the measurement is the room's delivery rate and
  // not how much one socket buffer holds.
  std::string line(64, 'x');
  for (long i = 0; i < count; ++i) {
    std::string text = kMarker + std::to_string(i) + " ";
    text += line.substr(0, 63 - std::min<std::size_t>(63, text.size()));
    if (ncat) {
      text += "\n";
      driver::write_all(sender.fd, text_bytes(text));
    } else {
      sender.peer->send(text_bytes(text));
      if (i % 16 == 15) sender.peer->flush();
    }
    // Drain what the room echoes to the sender (ncat echoes nothing; intact may send notices).
    if (!ncat && driver::readable_now(sender.fd)) {
      sender.peer->read();
      while (sender.peer->poll()) {
      }
    }
  }
  if (!ncat) sender.peer->flush();
  for (auto& t : threads) t.join();
  auto end = clock_type::now();
  long total = 0;
  for (long g : got) total += g;
  double secs = duration<double>(end - start).count();
  for (auto& m : receivers) ::close(m.fd);
  ::close(sender.fd);
  (void)ready;
  std::printf("{\"mode\":\"fanout\",\"peer\":\"%s\",\"clients\":%ld,\"messages\":%ld,"
              "\"deliveries\":%ld,\"expected\":%ld,\"seconds\":%.3f,\"deliveries_per_second\":%.0f}\n",
              ncat ? "ncat-chat" : "intact-server", clients, count, total, clients * count, secs,
              static_cast<double>(total) / secs);
  return 0;
}

// ---- maxconn: how many members one room holds ----
long rss_kib(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

int maxconn(const Args& args) {
  const auto port = static_cast<std::uint16_t>(args.num("port", 0));
  const long target = args.num("target", 10000);
  const long pid = args.num("pid", 0);
  const bool ncat = args.flag("ncat");
  const double budget = static_cast<double>(args.num("timeout", 120));
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  Key key = bench_key();
  // One thread drains every member's socket (epoll), so the server's notices
  // to them never pile up in its queues: we measure what it holds, not what
  // it buffers.
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    epoll_event evs[256];
    std::vector<std::uint8_t> buf(64 * 1024);
    while (!stop) {
      int n = ::epoll_wait(ep, evs, 256, 100);
      for (int i = 0; i < n; ++i) {
        if (::read(evs[i].data.fd, buf.data(), buf.size()) <= 0) ::epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd, nullptr);
      }
    }
  });
  long rss_before = pid > 0 ? rss_kib(pid) : -1;
  std::vector<int> fds;
  std::string stop_reason = "target reached";
  auto start = clock_type::now();
  while (static_cast<long>(fds.size()) < target) {
    if (duration<double>(clock_type::now() - start).count() > budget) {
      stop_reason = "time budget of " + std::to_string(static_cast<long>(budget)) + " s spent";
      break;
    }
    int fd = connect_loopback(port);
    if (fd < 0) {
      stop_reason = std::string("connect failed: ") + std::strerror(-fd);
      break;
    }
    if (!ncat) {
      try {
        auto s = open_peer(fd, v1::Role::client, key, 4096);
        (void)s;  // the session's keys are not needed after the handshake: members only listen
      } catch (const std::exception& e) {
        stop_reason = std::string("handshake failed: ") + e.what();
        ::close(fd);
        break;
      }
    } else {
      // ncat accepts without a handshake: check the connection is still open after a moment.
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) {
        char c;
        if (::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
          stop_reason = "the server closed a new connection";
          ::close(fd);
          break;
        }
      }
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  // Count the members the server still holds: a closed one reads as end of file.
  long alive = 0;
  for (int fd : fds) {
    char c;
    long r = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r != 0) ++alive;
  }
  long rss_after = pid > 0 ? rss_kib(pid) : -1;
  double secs = duration<double>(clock_type::now() - start).count();
  stop = true;
  drain.join();
  for (int fd : fds) ::close(fd);
  ::close(ep);
  double per_conn = (rss_before > 0 && alive > 0) ? static_cast<double>(rss_after - rss_before) / static_cast<double>(alive) : -1;
  std::printf("{\"mode\":\"maxconn\",\"peer\":\"%s\",\"target\":%ld,\"opened\":%zu,\"held\":%ld,"
              "\"seconds\":%.1f,\"stop\":\"%s\",\"server_rss_kib_before\":%ld,\"server_rss_kib_after\":%ld,"
              "\"kib_per_connection\":%.1f}\n",
              ncat ? "ncat-chat" : "intact-server", target, fds.size(), alive, secs, stop_reason.c_str(),
              rss_before, rss_after, per_conn);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::fprintf(stderr, "usage: intact_bench_net msgrate|latency|fanout|maxconn [--option value]...\n");
    return 2;
  }
  try {
    Args args = parse(argc, argv);
    std::string mode = argv[1];
    if (mode == "msgrate") return msgrate(args);
    if (mode == "latency") return latency(args);
    if (mode == "fanout") return fanout(args);
    if (mode == "maxconn") return maxconn(args);
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "intact_bench_net: %s\n", e.what());
    return 1;
  }
}
