#include "net/endpoint.hpp"

#include <asio/connect.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include "intact/failure.hpp"

namespace intact::net {

namespace {
std::string strip_brackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}
std::string host_port(const std::string& host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}
}  // namespace

std::string describe(const tcp::endpoint& ep) {
  auto a = ep.address();
  std::string addr = a.is_v6() && a.to_v6().is_v4_mapped()
                         ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string()
                         : a.to_string();
  return host_port(addr, ep.port());
}

std::uint16_t parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(text) > 65535) {
    throw Error(Failure::usage, "'" + text + "' is not a port number (0 to 65535)");
  }
  return static_cast<std::uint16_t>(std::stoul(text));
}

asio::awaitable<tcp::socket> connect(std::string host, std::uint16_t port) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  std::string h = strip_brackets(host);
  std::error_code ec;
  auto results = co_await resolver.async_resolve(h, std::to_string(port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw Error(Failure::io, "cannot resolve " + h + ": " + ec.message());
  tcp::socket socket(ex);
  co_await asio::async_connect(socket, results, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw Error(Failure::io, "cannot connect to " + host_port(h, port) + ": " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  co_return socket;
}

tcp::socket connect_blocking(asio::io_context& io, const std::string& host, std::uint16_t port) {
  tcp::resolver resolver(io);
  std::string h = strip_brackets(host);
  std::error_code ec;
  auto results = resolver.resolve(h, std::to_string(port), ec);
  if (ec) throw Error(Failure::io, "cannot resolve " + h + ": " + ec.message());
  tcp::socket socket(io);
  asio::connect(socket, results, ec);
  if (ec) throw Error(Failure::io, "cannot connect to " + host_port(h, port) + ": " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  return socket;
}

void check_resolves(const asio::any_io_executor& ex, const std::string& host, std::uint16_t port) {
  tcp::resolver resolver(ex);
  std::string h = strip_brackets(host);
  std::error_code ec;
  auto results = resolver.resolve(h, std::to_string(port), ec);
  if (ec || results.empty()) throw Error(Failure::io, "cannot resolve " + h + ": " + ec.message());
}

tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& bind, std::uint16_t port,
                     std::string_view port_option) {
  std::string h = strip_brackets(bind);
  std::error_code ec;
  tcp::resolver resolver(ex);
  auto results = resolver.resolve(h, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) throw Error(Failure::io, "cannot resolve bind address " + h + ": " + ec.message());
  tcp::endpoint ep = results.begin()->endpoint();
  tcp::acceptor acceptor(ex);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && ep.address().is_v6() && ep.address().is_unspecified())
    acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string hint = ec == asio::error::address_in_use
                           ? " (another program is listening there; pick another port with " +
                                 std::string(port_option) + ", or 0 for any free one)"
                           : "";
    throw Error(Failure::io, "cannot listen on " + host_port(h, port) + ": " + ec.message() + hint);
  }
  return acceptor;
}

}  // namespace intact::net
