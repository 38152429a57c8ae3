// src/net/line_reader.hpp: lines from a file descriptor (standard input), asynchronously.
//
// Works with pipes, terminals in canonical mode, sockets and regular files
// alike. A line longer than the bound is not buffered whole: its first bytes
// are kept and the rest is skipped up to the newline, and the caller is told.
// Never reads more than one buffer ahead.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <optional>
#include <string>
#include <vector>

namespace intact::net {

class LineReader {
 public:
  struct Line {
    std::string text;           // without the newline (and a trailing \r)
    bool too_long = false;      // the line was longer than max_line; text holds its start
    std::size_t length = 0;     // the line's full length in bytes
  };

  // Reads from a duplicate of `fd`, so closing the reader never closes `fd`.
  LineReader(const asio::any_io_executor& ex, int fd, std::size_t max_line);

  // The next line, or nullopt at the end of input (a last line without a
  // newline is still returned). Read errors count as the end of input.
  asio::awaitable<std::optional<Line>> next();

  void cancel();

 private:
  std::optional<Line> take_line();
  Line finish_line();  // the line gathered so far, complete

  asio::posix::stream_descriptor stream_;
  std::size_t max_line_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string partial_;  // start of a line that spans reads
  std::size_t partial_len_ = 0;
  bool skipping_ = false;
  bool eof_ = false;
};

}  // namespace intact::net
