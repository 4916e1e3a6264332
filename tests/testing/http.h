#pragma once

// An HTTP/1.1 client for tests (Boost.Beast, synchronous), plaintext or
// TLS: one request per connection, to 127.0.0.1.

#include <map>
#include <string>
#include <vector>

namespace passerelle::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed)
  std::map<std::string, std::string> headers;  // lowercase names
  std::vector<std::string> set_cookies;        // every Set-Cookie, in order
  std::string body;
};

HttpResult HttpCall(int port, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {});

// TLS material of an HTTPS client (PEM files): the CA it trusts, and
// optionally the certificate it presents (mTLS).
struct TlsClient {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// As HttpCall, over TLS (1.2 or later), checking that the server's
// certificate is valid for 127.0.0.1. Status 0: no answer (the connection
// or the handshake failed).
HttpResult HttpsCall(int port, const TlsClient& tls, const std::string& method,
                     const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});

// Opens a Server-Sent Events stream and returns the `data:` payloads of
// the first `count` events (fewer if the stream ends first), with the
// answer's status in `*status`.
std::vector<std::string> ReadEvents(int port, const std::string& target,
                                    const std::string& token, size_t count,
                                    int* status);

}  // namespace passerelle::testing
