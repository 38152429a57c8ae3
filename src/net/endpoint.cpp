#include "net/endpoint.hpp"

#include <asio/connect.hpp>
#include <asio/steady_timer.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include "intact/failure.hpp"
#include "intact/text.hpp"

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
// Resolves as the family asks; an address literal of the other family is a
// usage error, said as such, rather than a resolver's "Host not found".
tcp::resolver::results_type resolve(tcp::resolver& resolver, const std::string& h, std::uint16_t port,
                                    Family family, tcp::resolver::flags flags, const std::string& what) {
  std::error_code ec;
  if (family != Family::any) {
    auto literal = asio::ip::make_address(h, ec);
    if (!ec) {
      bool v6 = literal.is_v6() && !literal.to_v6().is_v4_mapped();
      if (v6 != (family == Family::v6))
        throw Error(Failure::usage, h + " is an IPv" + (v6 ? "6" : "4") + " address, and " +
                                        std::string(family_flag(family)) + " asks for IPv" +
                                        (v6 ? "4" : "6"));
    }
    ec = {};
  }
  auto results = family == Family::any
                     ? resolver.resolve(h, std::to_string(port), flags, ec)
                     : resolver.resolve(family == Family::v4 ? tcp::v4() : tcp::v6(), h,
                                        std::to_string(port), flags, ec);
  if (ec || results.empty()) {
    std::string as = family == Family::any ? ""
                                           : std::string(" to an IPv") + (family == Family::v4 ? "4" : "6") +
                                                 " address (" + std::string(family_flag(family)) + ")";
    throw Error(Failure::io, "cannot resolve " + what + h + as + ": " +
                                 (ec ? ec.message() : std::string("it has no address")));
  }
  return results;
}
}  // namespace

std::string_view family_flag(Family family) noexcept {
  switch (family) {
    case Family::v4: return "-4";
    case Family::v6: return "-6";
    case Family::any: break;
  }
  return "";
}

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

tcp::socket connect_blocking(asio::io_context& io, const std::string& host, std::uint16_t port,
                             Family family, std::chrono::milliseconds timeout) {
  tcp::resolver resolver(io);
  std::string h = strip_brackets(host);
  auto results = resolve(resolver, h, port, family, {}, "");
  tcp::socket socket(io);
  std::error_code ec;
  if (timeout.count() <= 0) {
    asio::connect(socket, results, ec);
  } else {
    // The attempt runs on `io` against a timer; closing the socket at the
    // deadline ends the connect operation (every address it had left).
    bool done = false, timed_out = false;
    asio::steady_timer timer(io);
    timer.expires_after(timeout);
    timer.async_wait([&](const std::error_code& wait_ec) {
      if (wait_ec || done) return;
      timed_out = true;
      std::error_code ignored;
      socket.close(ignored);
    });
    asio::async_connect(socket, results, [&](const std::error_code& connect_ec, const tcp::endpoint&) {
      done = true;
      ec = connect_ec;
      timer.cancel();
    });
    io.restart();
    io.run();
    io.restart();
    if (timed_out)
      throw Error(Failure::timeout,
                  "cannot connect to " + host_port(h, port) + ": no answer within " + duration_text(timeout));
  }
  if (ec) throw Error(Failure::io, "cannot connect to " + host_port(h, port) + ": " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  return socket;
}

void check_resolves(const asio::any_io_executor& ex, const std::string& host, std::uint16_t port) {
  tcp::resolver resolver(ex);
  resolve(resolver, strip_brackets(host), port, Family::any, {}, "");
}

tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& bind, std::uint16_t port,
                     std::string_view port_option, Family family) {
  std::string h = strip_brackets(bind);
  std::error_code ec;
  tcp::resolver resolver(ex);
  auto results = resolve(resolver, h, port, family, tcp::resolver::passive, "bind address ");
  tcp::endpoint ep = results.begin()->endpoint();
  tcp::acceptor acceptor(ex);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  // "::" takes IPv4 too where the system allows, unless -6 asked for IPv6 only.
  if (!ec && ep.address().is_v6() && ep.address().is_unspecified())
    acceptor.set_option(asio::ip::v6_only(family == Family::v6), ec);
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
