#include "chat/terminal.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <unistd.h>

// Readline's headers need stdio first.
#include <cstdio>
#include <readline/history.h>
#include <readline/readline.h>

#include <cstdlib>

// Readline's own test for characters it has read from the terminal but not yet
// handled (exported by libreadline 8, though not declared in its public headers).
extern "C" int _rl_pushed_input_available(void);

namespace intact::chat {

namespace {
Terminal* g_terminal = nullptr;  // Readline's callbacks carry no user pointer
}

bool Terminal::available() { return ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1; }

Terminal::Terminal(asio::io_context& io, std::string prompt, ChatOutput& out)
    : io_(io), prompt_(std::move(prompt)), out_(out), input_(io) {}

Terminal::~Terminal() { stop(); }

void Terminal::start(LineHandler on_line, EofHandler on_eof) {
  on_line_ = std::move(on_line);
  on_eof_ = std::move(on_eof);
  g_terminal = this;
  rl_catch_signals = 0;  // SIGINT/SIGTERM belong to the program's asio::signal_set
  rl_catch_sigwinch = 1;
  using_history();
  stifle_history(500);
  rl_callback_handler_install(prompt_.c_str(), &Terminal::on_readline);
  active_ = true;
  out_.set_around_print([this] { before_print(); }, [this] { after_print(); });
  input_.assign(::dup(STDIN_FILENO));
  asio::co_spawn(io_, read_keys(), asio::detached);
}

void Terminal::stop() {
  if (!active_) return;
  active_ = false;
  out_.set_around_print(nullptr, nullptr);
  rl_callback_handler_remove();
  std::fputs("\n", stdout);
  std::fflush(stdout);
  std::error_code ec;
  input_.close(ec);
  if (g_terminal == this) g_terminal = nullptr;
}

asio::awaitable<void> Terminal::read_keys() {
  while (active_) {
    std::error_code ec;
    co_await input_.async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !active_) co_return;
    rl_callback_read_char();  // may call on_readline, which may stop us
    // Readline batches typed-ahead characters (a paste) and may keep keys it has
    // already read from the terminal (Enter after a paste) in rl_pending_input or
    // its own buffer: the descriptor will not wake us for those, so handle them now.
    while (active_ && (rl_pending_input != 0 || _rl_pushed_input_available() != 0))
      rl_callback_read_char();
  }
}

void Terminal::on_readline(char* line) {
  Terminal* t = g_terminal;
  if (t == nullptr) {
    std::free(line);
    return;
  }
  if (line == nullptr) {  // Ctrl-D on an empty line
    auto eof = t->on_eof_;
    t->stop();
    if (eof) eof();
    return;
  }
  std::string text(line);
  std::free(line);
  if (!text.empty()) add_history(text.c_str());
  if (t->on_line_) t->on_line_(text);
}

void Terminal::before_print() {
  if (!active_) return;
  // Lift the prompt and the half-typed line off the screen.
  saved_point_ = rl_point;
  char* text = rl_copy_text(0, rl_end);
  saved_line_ = text != nullptr ? text : "";
  std::free(text);
  rl_save_prompt();
  rl_replace_line("", 0);
  rl_redisplay();
  std::fputs("\r\x1b[K", stdout);  // the line is now empty, cursor at its start
  std::fflush(stdout);
}

void Terminal::after_print() {
  if (!active_) return;
  rl_restore_prompt();
  rl_replace_line(saved_line_.c_str(), 0);
  rl_point = saved_point_;
  rl_forced_update_display();
}

}  // namespace intact::chat
