// src/chat/terminal.hpp: the interactive line editor for a chat on a terminal.
//
// GNU Readline (callback interface) edits the line being typed, with history,
// while Asio waits for keystrokes; so the editor never blocks the network.
// Every line the program prints goes through ChatOutput, which asks the
// Terminal to lift the prompt and the half-typed line out of the way and put
// them back afterwards: an incoming message never garbles what is being typed.
// Only used when standard input and output are both terminals; pipes keep the
// plain line reader. One Terminal per process (Readline is global state).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <functional>
#include <string>

#include "chat/chat_output.hpp"

namespace intact::chat {

class Terminal {
 public:
  using LineHandler = std::function<void(std::string_view line)>;
  using EofHandler = std::function<void()>;

  Terminal(asio::io_context& io, std::string prompt, ChatOutput& out);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Starts editing; `on_line` gets each line typed, `on_eof` Ctrl-D on an empty line.
  void start(LineHandler on_line, EofHandler on_eof);
  void stop();

  static bool available();  // standard input and output are both terminals

 private:
  asio::awaitable<void> read_keys();
  void before_print();
  void after_print();
  static void on_readline(char* line);

  asio::io_context& io_;
  std::string prompt_;
  ChatOutput& out_;
  asio::posix::stream_descriptor input_;
  LineHandler on_line_;
  EofHandler on_eof_;
  bool active_ = false;
  std::string saved_line_;
  int saved_point_ = 0;
};

}  // namespace intact::chat
