// Lines from a file descriptor (src/net/line_reader): newline and CRLF handling, the last
// line without a newline, and lines over the bound (kept in part, reported, never buffered).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "net/line_reader.hpp"

namespace {

using intact::net::LineReader;

// Writes `input` into a pipe (from a thread: it may exceed the pipe's capacity), closes it,
// and reads every line back.
std::vector<LineReader::Line> read_all(const std::string& input, std::size_t max_line) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread writer([&input, fd = fds[1]] {
    std::size_t done = 0;
    while (done < input.size()) {
      ssize_t n = ::write(fd, input.data() + done, input.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  asio::io_context io;
  std::vector<LineReader::Line> lines;
  LineReader reader(io.get_executor(), fds[0], max_line);
  ::close(fds[0]);  // the reader holds its own duplicate
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (auto line = co_await reader.next()) lines.push_back(*line);
      },
      asio::detached);
  io.run();
  writer.join();
  return lines;
}

TEST(LineReader, SplitsOnNewlinesAndDropsACarriageReturnBeforeThem) {
  auto lines = read_all("one\ntwo\r\n\nthree\n", 100);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "one");
  EXPECT_EQ(lines[1].text, "two");
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "three");
}

TEST(LineReader, ALastLineWithoutANewlineIsReturnedLikeTheOthers) {
  auto lines = read_all("a\r\nlast\r", 100);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, "last");
  EXPECT_EQ(lines[1].length, 4u);
  EXPECT_FALSE(lines[1].too_long);
  auto plain = read_all("only", 100);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].text, "only");
}

TEST(LineReader, ALineOfExactlyTheBoundFitsEvenWithCrlf) {
  std::string at_bound(10, 'x');
  auto lines = read_all(at_bound + "\r\n" + at_bound + "\r", 10);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_FALSE(l.too_long);
    EXPECT_EQ(l.text, at_bound);
  }
}

TEST(LineReader, ALineOverTheBoundIsReportedWithItsLengthAndItsStartOnly) {
  std::string big(200000, 'y');  // spans several reads of the 64 KiB buffer
  auto lines = read_all(big + "\nafter\n" + big, 1000);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].too_long);
  EXPECT_EQ(lines[0].length, big.size());
  EXPECT_EQ(lines[0].text, big.substr(0, 1000));
  EXPECT_EQ(lines[1].text, "after");
  EXPECT_FALSE(lines[1].too_long);
  EXPECT_TRUE(lines[2].too_long);
  EXPECT_EQ(lines[2].length, big.size());
  EXPECT_EQ(lines[2].text.size(), 1000u);
}

}  // namespace
