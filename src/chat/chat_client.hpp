// src/chat/chat_client.hpp: a chat client: lines in, verified messages out.
//
// Connects, runs the handshake (v1) and then sends each line the user gives as
// one message and shows each verified message with its sender's name. Failures
// are shown on the same stream as messages. At the end of input it sends the
// authenticated close, shows what still arrives until the server's close (at
// most the linger time), and ends. result() says how it ended, as a Failure (none:
// the conversation ended cleanly); error() is the failure still to be told to the
// user, with its reason, when the client did not show it itself.
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "chat/chat_format.hpp"
#include "chat/chat_output.hpp"
#include "intact/failure.hpp"
#include "intact/key.hpp"
#include "net/connection.hpp"

namespace intact::chat {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  bool legacy = false;
  std::string name;
  bool strict = false;
  net::ConnectionLimits limits;
  std::chrono::milliseconds lab_pace = kLabPace;  // between two messages, with `legacy`
  bool read_stdin = true;  // false: the caller feeds user_line()/end_of_input()
};

class ChatClient final : public net::ConnectionObserver {
 public:
  // `key` is held by reference: it must outlive the client.
  ChatClient(asio::io_context& io, const Key& key, ClientOptions options, ChatOutput& out);
  ChatClient(asio::io_context& io, Key&& key, ClientOptions options, ChatOutput& out) = delete;
  ~ChatClient() override;

  void start();
  // How the session ended; a session that ended well but left lines unsent
  // (over the maximum, or refused by the format) is Failure::not_sent: what the
  // user typed did not all arrive, so the exit status must not say it did.
  Failure result() const noexcept {
    return result_ == Failure::none && unsent_lines_ > 0 ? Failure::not_sent : result_;
  }
  const std::optional<Error>& error() const noexcept { return error_; }
  std::size_t unsent_lines() const noexcept { return unsent_lines_; }

  // Input from the user (from standard input, or from a line editor).
  void user_line(std::string_view line);
  void end_of_input();
  // Called once the connection is ready for messages.
  std::function<void()> on_ready;
  // Called once, when the client is done (the caller may stop its loop).
  std::function<void()> on_done;
  // Called when the room gives us another name than the one we have (a "-2" suffix at
  // the welcome, or /nick), with the new one: a prompt showing the name follows it.
  std::function<void(const std::string&)> on_name;

  void on_event(net::Connection& c, const Event& e) override;
  void on_disconnect(net::Connection& c, const net::Disconnect& disconnect) override;

 private:
  asio::awaitable<void> connect_and_run();
  asio::awaitable<void> stdin_loop();
  void wait_for_signal();
  void ready();
  void follow_name(std::string_view notice);
  void done();
  // The first outcome decided is the one kept. With a message, the failure is
  // still to be told (error()); without one, it was already shown.
  void decide(Failure failure, std::string message = {});
  // The lines given to the connection whose bytes are still queued in it (not written).
  std::size_t lines_waiting() const;

  asio::io_context& io_;
  const Key& key_;
  ClientOptions opts_;
  ChatOutput& out_;
  std::shared_ptr<net::Connection> conn_;
  asio::signal_set signals_;
  Failure result_ = Failure::none;
  std::optional<Error> error_;
  bool decided_ = false;
  std::size_t unsent_lines_ = 0;  // lines the user gave that were not sent (each said so at once)
  // The frame sizes of the latest lines, as many as may still be queued (what is queued is
  // the tail of what was queued: the newest lines, then our close, if any).
  std::deque<std::size_t> recent_lines_;
  std::size_t recent_bytes_ = 0;
  std::size_t close_bytes_ = 0;  // our close frame, once queued
  bool ready_ = false;
  bool input_ended_ = false;
  bool interrupted_ = false;
  bool done_ = false;
  std::string name_;  // our name in the room, as its notices last told it
};

}  // namespace intact::chat
