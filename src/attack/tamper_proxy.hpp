// src/attack/tamper_proxy.hpp: the man in the middle, over Asio: accepts
// clients, connects each to the upstream server, and pumps both directions
// through a TamperEngine.
//
// Per connection: one reader per side (socket -> engine.feed) and one writer
// per side (engine output -> socket), coroutines on one executor. Memory is
// bounded: a reader stops reading while more than kMaxPendingOutput bytes wait
// to be written, so a receiver that does not read slows its sender instead of
// growing the proxy. A connection that fails ends alone; the proxy keeps
// accepting. This unit owns no key and logs only through the on_log callback.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attack/tamper_engine.hpp"

namespace intact::attack {

using asio::ip::tcp;

class TamperProxy {
 public:
  static constexpr std::size_t kReadChunk = 16 * 1024;
  static constexpr std::size_t kMaxPendingOutput = 4u << 20;

  struct Options {
    std::string upstream_host;
    std::uint16_t upstream_port = 0;
    FormatChoice format = FormatChoice::detect;
    std::vector<AttackSpec> attacks;
    ReplacementQueue* replacements = nullptr;  // interactive mode, owned by the caller
    std::vector<std::uint8_t> interactive_retag;
    std::function<void(const LogEntry&)> on_log;  // every entry, in order
  };

  TamperProxy(tcp::acceptor acceptor, Options options);

  // Accepts connections until stop(); each runs on its own.
  asio::awaitable<void> run();
  void stop();
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  // Connections accepted so far, and those that have fully ended.
  std::uint64_t accepted() const noexcept { return accepted_; }
  std::uint64_t finished() const noexcept { return finished_; }

 private:
  asio::awaitable<void> serve(tcp::socket client, std::uint64_t id);

  tcp::acceptor acceptor_;
  Options opts_;
  SpliceStore splice_store_;
  std::uint64_t accepted_ = 0;
  std::uint64_t finished_ = 0;
};

}  // namespace intact::attack
