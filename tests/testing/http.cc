#include "tests/testing/http.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"

namespace passerelle::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Sends one request on a connected `stream` and reads the answer.
template <typename Stream>
HttpResult Exchange(Stream& stream, int port, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers) {
  HttpResult result;
  beast::error_code ec;
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, absl::StrCat("127.0.0.1:", port));
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() && !headers.count("Content-Type") &&
      !headers.count("content-type")) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = body;
  req.prepare_payload();
  // A server may answer (e.g. 413) before reading the whole body: read
  // its answer even when the write did not finish.
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 30);
  http::read(stream, buffer, parser, ec);
  // end_of_stream before a header: no answer (the parser's default status
  // would read as 200).
  if ((ec && ec != http::error::end_of_stream) || !parser.is_header_done()) {
    return result;
  }
  const auto& res = parser.get();
  result.status = res.result_int();
  for (const auto& field : res) {
    const std::string name =
        absl::AsciiStrToLower(std::string(field.name_string()));
    result.headers[name] = std::string(field.value());
    if (name == "set-cookie") result.set_cookies.emplace_back(field.value());
  }
  result.body = res.body();
  return result;
}

}  // namespace

HttpResult HttpCall(int port, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)),
                 ec);
  if (ec) return {};
  HttpResult result = Exchange(stream, port, method, target, body, headers);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return result;
}

HttpResult HttpsCall(int port, const TlsClient& tls, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  net::ssl::context context(net::ssl::context::tls_client);
  beast::error_code ec;
  context.load_verify_file(tls.ca_file, ec);
  if (ec) return {};
  if (!tls.cert_file.empty()) {
    context.use_certificate_chain_file(tls.cert_file, ec);
    if (!ec) {
      context.use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
    }
    if (ec) return {};
  }
  context.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  // The server's certificate must name 127.0.0.1.
  stream.set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(port)),
      ec);
  if (ec) return {};
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  stream.handshake(net::ssl::stream_base::client, ec);
  if (ec) return {};
  beast::get_lowest_layer(stream).expires_never();
  HttpResult result = Exchange(stream, port, method, target, body, headers);
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both,
                                                    ec);
  return result;
}

std::vector<std::string> ReadEvents(int port, const std::string& target,
                                    const std::string& token, size_t count,
                                    int* status) {
  std::vector<std::string> events;
  *status = 0;
  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)),
                 ec);
  if (ec) return events;
  const std::string request = absl::StrCat(
      "GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      "Accept: text/event-stream\r\nAuthorization: Bearer ", token, "\r\n\r\n");
  net::write(socket, net::buffer(request), ec);
  if (ec) return events;
  net::streambuf buffer;
  net::read_until(socket, buffer, "\r\n\r\n", ec);
  if (ec) return events;
  std::string head(net::buffers_begin(buffer.data()),
                   net::buffers_end(buffer.data()));
  const size_t end = head.find("\r\n\r\n") + 4;
  buffer.consume(end);
  if (head.size() > 12) *status = std::stoi(head.substr(9, 3));
  while (events.size() < count) {
    net::read_until(socket, buffer, "\n\n", ec);
    if (ec) break;
    std::string all(net::buffers_begin(buffer.data()),
                    net::buffers_end(buffer.data()));
    const size_t stop = all.find("\n\n");
    std::string event = all.substr(0, stop);
    buffer.consume(stop + 2);
    for (absl::string_view line : absl::StrSplit(event, '\n')) {
      if (absl::StartsWith(line, "data: ")) {
        events.emplace_back(line.substr(6));
      }
    }
  }
  socket.close(ec);
  return events;
}

}  // namespace passerelle::testing
