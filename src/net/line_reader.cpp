#include "net/line_reader.hpp"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <unistd.h>

#include <cstring>

#include "intact/failure.hpp"

namespace intact::net {

LineReader::LineReader(const asio::any_io_executor& ex, int fd, std::size_t max_line)
    : stream_(ex), max_line_(max_line), buf_(64 * 1024) {
  int copy = ::dup(fd);
  if (copy < 0) throw Error(Failure::io, std::string("cannot read standard input: ") + std::strerror(errno));
  std::error_code ec;
  stream_.assign(copy, ec);  // regular files are accepted too: reads on them never block
  if (ec) {
    ::close(copy);
    throw Error(Failure::io, "cannot read standard input: " + ec.message());
  }
}

void LineReader::cancel() {
  std::error_code ec;
  stream_.cancel(ec);
}

std::optional<LineReader::Line> LineReader::take_line() {
  while (begin_ < end_) {
    char* start = buf_.data() + begin_;
    std::size_t avail = end_ - begin_;
    char* nl = static_cast<char*>(std::memchr(start, '\n', avail));
    std::size_t chunk = nl ? static_cast<std::size_t>(nl - start) : avail;
    partial_len_ += chunk;
    if (!skipping_) {
      std::size_t room = max_line_ + 1 - std::min(partial_.size(), max_line_ + 1);
      partial_.append(start, std::min(chunk, room));  // keep up to max_line+1 (for the \r check)
      if (partial_len_ > max_line_ + 1) skipping_ = true;
    }
    begin_ += chunk + (nl ? 1 : 0);
    if (begin_ == end_) begin_ = end_ = 0;
    if (!nl) return std::nullopt;
    return finish_line();
  }
  return std::nullopt;
}

LineReader::Line LineReader::finish_line() {
  Line line;
  line.length = partial_len_;
  // "\r\n" ends a line as "\n" does, the last line (without a newline) included.
  if (!partial_.empty() && partial_.back() == '\r' && !skipping_) {
    partial_.pop_back();
    --line.length;
  }
  line.too_long = line.length > max_line_;
  if (line.too_long) partial_.resize(std::min(partial_.size(), max_line_));
  line.text = std::move(partial_);
  partial_.clear();
  partial_len_ = 0;
  skipping_ = false;
  return line;
}

asio::awaitable<std::optional<LineReader::Line>> LineReader::next() {
  for (;;) {
    if (auto line = take_line()) co_return line;
    if (eof_) {
      if (partial_len_ == 0) co_return std::nullopt;
      co_return finish_line();
    }
    std::error_code ec;
    std::size_t n = co_await stream_.async_read_some(asio::buffer(buf_.data() + end_, buf_.size() - end_),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) {
      eof_ = true;
      continue;
    }
    end_ += n;
  }
}

}  // namespace intact::net
