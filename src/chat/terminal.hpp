// src/chat/terminal.hpp: the interactive line editor for a chat on a terminal.
//
// GNU Readline (callback interface) edits the line being typed, with history,
// while Asio waits for keystrokes; so the editor never blocks the network.
// Every line the program prints goes through ChatOutput, which asks the
// Terminal to lift the prompt and the half-typed line out of the way and put
// them back afterwards: an incoming message never garbles what is being typed.
// Only used when standard input and output are both terminals; pipes keep the
// plain line reader. One Terminal per process (Readline is global state).
//
// Asio waits for keys on an open file of the terminal of its own, so that the
// O_NONBLOCK it sets never reaches standard output (see start()).
//
// Keys: the Terminal reads the terminal itself, everything available at once, into
// its own buffer, and gives Readline its keys from there (rl_getc_function,
// rl_input_available_hook): so it knows what is still to be handled, and hands it
// all to Readline before it waits again. (Asio's wait on a descriptor is
// edge-triggered: a wait begun while keys are already buffered, in Readline or in
// the kernel, would not wake until the next key.)
//
// Lines: each accepted line is handed on after Readline's callback has returned, so
// what the handler prints (the server console's own replies) is printed like any
// other line, above the prompt. A paste of several lines (bracketed paste keeps
// them in one edit) gives one line each, as if each had been typed.
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
  // Shows `prompt` from now on (the name in it changed).
  void set_prompt(std::string prompt);

  static bool available();  // standard input and output are both terminals

 private:
  asio::awaitable<void> read_keys();
  void before_print();
  void after_print();
  static void on_readline(char* line);
  static int next_key(std::FILE*);
  static int keys_available();
  // Reads what the terminal has (waiting up to `timeout_ms`, -1 for ever) into keys_;
  // false when nothing came. End of file or an error sets hangup_.
  bool read_terminal(int timeout_ms);
  bool keys_buffered() const noexcept { return key_pos_ < keys_.size(); }
  void deliver(std::string line);

  asio::io_context& io_;
  std::string prompt_;
  ChatOutput& out_;
  asio::posix::stream_descriptor input_;
  LineHandler on_line_;
  EofHandler on_eof_;
  bool active_ = false;
  std::string keys_;  // read from the terminal, not yet given to Readline
  std::size_t key_pos_ = 0;
  bool hangup_ = false;
  bool own_file_ = false;  // input_ is an open file of its own, not a dup of standard input
};

}  // namespace intact::chat
