// src/chat/chat_server.hpp: the multi-user room server.
//
// Listens in protocol v1 and/or the lab's format, admits each connection
// (address lists, --max-clients), and makes every verified message a room
// event: shown on the console and re-sent to every other member, sealed anew
// in that member's own session (integrity hop by hop). A message that fails
// verification is reported and relayed to no one. One misbehaving connection
// is closed with a logged reason; nobody else notices. Never prints a key.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/chat_format.hpp"
#include "chat/chat_output.hpp"
#include "chat/room.hpp"
#include "intact/key.hpp"
#include "intact/session.hpp"
#include "net/address_filter.hpp"
#include "net/connection.hpp"
#include "net/handshake_quota.hpp"

namespace intact::chat {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;
  bool legacy = false;                      // the main port speaks the lab's format
  std::optional<std::uint16_t> legacy_port;  // an extra port in the lab's format
  std::string name = "server";
  bool strict = false;
  std::size_t max_clients = 10'000;
  // Handshakes in progress from one address (a member past its handshake is not counted). When
  // the server is full, its oldest handshake in progress is dropped to make room for a newcomer.
  std::size_t max_per_address = 64;
  // A member's lines per second and the burst it may save up (--max-rate, --max-burst); lines
  // past it are refused with a notice to that member. 0: no limit.
  std::uint32_t max_rate = 50;
  std::uint32_t max_burst = 100;
  net::ConnectionLimits limits;
  std::chrono::milliseconds lab_pace = kLabPace;  // between two messages to a lab-format member
  net::AddressFilter filter;
  bool read_console = true;  // take lines and commands from standard input
};

class ChatServer final : public net::ConnectionObserver {
 public:
  // `key` is held by reference: it must outlive the server.
  ChatServer(asio::io_context& io, const Key& key, ServerOptions options, ChatOutput& out);
  ChatServer(asio::io_context& io, Key&& key, ServerOptions options, ChatOutput& out) = delete;
  ~ChatServer() override;

  // Binds the listeners (throws intact::Error if it cannot) and prints where.
  void start();
  // Authenticated close to every client, then stop. Idempotent.
  void shutdown(const std::string& reason);
  // Lines typed on the server console (also used by the terminal front end).
  void console_line(std::string_view line);

  void on_event(net::Connection& c, const Event& e) override;
  void on_disconnect(net::Connection& c, const net::Disconnect& disconnect) override;
  void on_idle(net::Connection& c) override;

 private:
  class Member;
  class Console;

  asio::awaitable<void> accept_loop(net::tcp::acceptor& acceptor, WireFormat format);
  asio::awaitable<void> console_loop();
  asio::awaitable<void> drain_and_stop();
  void admit(net::tcp::socket socket, WireFormat format);
  void join(Member& m);
  void handle_text(Member& m, std::string_view text);
  void handle_command(Participant& who, std::string_view line);
  void reply(Participant& who, std::string_view text);
  Member* member_of(net::Connection& c);
  bool within_rate(Member& m);
  void end_of_refusals(Member& m);
  std::string name_list(std::size_t max) const;

  // Rooms larger than this announce joins and leaves on the console only.
  static constexpr std::size_t kAnnounceLimit = 100;
  static constexpr std::size_t kWelcomeNames = 20;

  asio::io_context& io_;
  const Key& key_;
  ServerOptions opts_;
  ChatOutput& out_;
  Room room_;
  std::unique_ptr<Console> console_;
  std::vector<std::unique_ptr<net::tcp::acceptor>> acceptors_;
  std::unordered_map<net::Connection*, std::shared_ptr<net::Connection>> connections_;
  std::size_t departing_ = 0;  // in connections_, disconnected, erased at the next turn
  net::HandshakeQuota handshakes_;
  asio::signal_set signals_;
  bool shutting_down_ = false;
};

}  // namespace intact::chat
