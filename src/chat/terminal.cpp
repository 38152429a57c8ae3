#include "chat/terminal.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

// Readline's headers need stdio first.
#include <cstdio>
#include <readline/history.h>
#include <readline/readline.h>

#include <cerrno>
#include <cstdlib>

namespace intact::chat {

namespace {
Terminal* g_terminal = nullptr;  // Readline's callbacks carry no user pointer
constexpr std::size_t kReadChunk = 16 * 1024;
}  // namespace

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
  rl_getc_function = &Terminal::next_key;
  rl_input_available_hook = &Terminal::keys_available;
  using_history();
  stifle_history(500);
  rl_callback_handler_install(prompt_.c_str(), &Terminal::on_readline);
  active_ = true;
  out_.set_around_print([this] { before_print(); }, [this] { after_print(); });
  // Asio makes a descriptor it waits on non-blocking, and O_NONBLOCK belongs to the open
  // file, which standard input shares with standard output and error (the terminal is
  // opened once and inherited thrice). On a dup of standard input, writes to the screen
  // then fail with EAGAIN whenever the terminal is slow to take them, and stdio drops
  // them: a 64 KiB paste's echo stopped part-way and its refusal never showed. So Asio
  // waits on an open file of its own; the keys are read from standard input.
  int fd = -1;
  if (const char* name = ::ttyname(STDIN_FILENO); name != nullptr)
    fd = ::open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
  own_file_ = fd >= 0;
  input_.assign(own_file_ ? fd : ::dup(STDIN_FILENO));
  if (!own_file_) {
    // No name for the terminal: wait on a dup, having told Asio it is non-blocking already
    // (so it never sets O_NONBLOCK itself), and keep the shared open file blocking.
    std::error_code ignored;
    input_.non_blocking(true, ignored);
    int flags = ::fcntl(input_.native_handle(), F_GETFL);
    if (flags >= 0) ::fcntl(input_.native_handle(), F_SETFL, flags & ~O_NONBLOCK);
  }
  asio::co_spawn(io_, read_keys(), asio::detached);
}

void Terminal::stop() {
  if (!active_) return;
  active_ = false;
  out_.set_around_print(nullptr, nullptr);
  rl_callback_handler_remove();
  rl_getc_function = rl_getc;
  rl_input_available_hook = nullptr;
  std::fputs("\n", stdout);
  std::fflush(stdout);
  std::error_code ec;
  input_.close(ec);
  if (g_terminal == this) g_terminal = nullptr;
}

void Terminal::set_prompt(std::string prompt) {
  prompt_ = std::move(prompt);
  if (!active_) return;
  before_print();
  rl_set_prompt(prompt_.c_str());
  after_print();
}

bool Terminal::read_terminal(int timeout_ms) {
  if (hangup_) return false;
  pollfd p{STDIN_FILENO, POLLIN, 0};
  int n = ::poll(&p, 1, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return false;
    hangup_ = true;
    return false;
  }
  if (n == 0) return false;
  if ((p.revents & POLLIN) == 0) {  // POLLHUP or POLLERR alone: the terminal is gone
    hangup_ = true;
    return false;
  }
  if (key_pos_ == keys_.size()) {
    keys_.clear();
    key_pos_ = 0;
  }
  std::size_t had = keys_.size();
  keys_.resize(had + kReadChunk);
  // poll said readable, and the terminal is in Readline's non-canonical mode
  // (VMIN 1): read returns what is there without waiting for more.
  ssize_t got = ::read(STDIN_FILENO, keys_.data() + had, kReadChunk);
  keys_.resize(had + (got > 0 ? static_cast<std::size_t>(got) : 0));
  if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) hangup_ = true;
  return got > 0;
}

// rl_getc_function: the next key from our buffer. Readline asks for a key it must
// have now (the rest of a bracketed paste) only when it knows one is coming.
int Terminal::next_key(std::FILE*) {
  Terminal* t = g_terminal;
  if (t == nullptr) return EOF;
  while (!t->keys_buffered()) {
    if (t->hangup_) return EOF;
    t->read_terminal(-1);
  }
  return static_cast<unsigned char>(t->keys_[t->key_pos_++]);
}

// rl_input_available_hook: whether a key is there (within Readline's key-sequence
// timeout, as its own test does), so it batches a paste into one redisplay.
int Terminal::keys_available() {
  Terminal* t = g_terminal;
  if (t == nullptr) return 0;
  if (t->keys_buffered()) return 1;
  int timeout_us = rl_set_keyboard_input_timeout(-1);  // -1: only reads it
  return t->read_terminal(timeout_us / 1000) ? 1 : 0;
}

asio::awaitable<void> Terminal::read_keys() {
  while (active_) {
    // Hand Readline every key there is before waiting again: the wait below wakes
    // for keys that arrive after it begins, not for those already there.
    while (active_ && (keys_buffered() || rl_pending_input != 0 || read_terminal(0)))
      rl_callback_read_char();  // may call on_readline, which may stop us
    if (!active_) co_return;
    if (hangup_) {  // the terminal went away: as Ctrl-D
      on_readline(nullptr);
      co_return;
    }
    std::error_code ec;
    co_await input_.async_wait(asio::posix::stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !active_) co_return;
  }
}

void Terminal::deliver(std::string line) {
  if (!line.empty()) add_history(line.c_str());
  asio::post(io_, [this, line = std::move(line)] {
    if (on_line_) on_line_(line);
  });
}

void Terminal::on_readline(char* line) {
  Terminal* t = g_terminal;
  if (t == nullptr) {
    std::free(line);
    return;
  }
  if (line == nullptr) {  // Ctrl-D on an empty line
    t->stop();
    // After the lines accepted before it.
    asio::post(t->io_, [t] {
      if (t->on_eof_) t->on_eof_();
    });
    return;
  }
  std::string text(line);
  std::free(line);
  // A paste of several lines (Readline keeps a bracketed paste in one edit, with its
  // line ends as '\n') is several lines, each its own message: as if typed one by one.
  // A line end at the very end of the paste ends its last line, not an empty one.
  std::size_t begin = 0;
  while (begin < text.size() || begin == 0) {
    std::size_t end = text.find_first_of("\r\n", begin);
    if (end == std::string::npos) {
      t->deliver(text.substr(begin));
      break;
    }
    t->deliver(text.substr(begin, end - begin));
    begin = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  // Handled after Readline's callback has returned: what the handler prints then
  // goes above a prompt Readline has drawn again, not onto the line just accepted.
}

void Terminal::before_print() {
  if (!active_) return;
  // Lift the prompt and the half-typed line (every screen row of it) off the screen;
  // Readline keeps the line itself.
  rl_clear_visible_line();
  std::fflush(rl_outstream != nullptr ? rl_outstream : stdout);
}

void Terminal::after_print() {
  if (!active_) return;
  rl_on_new_line();
  rl_redisplay();
}

}  // namespace intact::chat
