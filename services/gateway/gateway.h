#pragma once

// The HTTP/JSON gateway: every RPC of passerelle.v1 at the route its
// google.api.http option declares (routes.h), bodies in proto3 JSON
// (transcode.h), client-streaming imports as NDJSON bodies, Watch as
// Server-Sent Events, the OpenAPI document at /v1/openapi.json. It calls
// the gRPC services through generic stubs: over the embedded server's
// in-process channel (no second network hop), or over the network to the
// services of the multi-process layout (passerelle-gateway). Callers and
// roles are the gRPC ones: the `Authorization: Bearer` header is passed on.
// Built on Boost.Beast; no HTTP parsing of our own.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace passerelle::gateway {

struct GatewayOptions {
  std::string listen_address = "127.0.0.1";
  int port = 0;           // 0: any free port
  std::string port_file;  // written once serving
  int threads = 2;        // HTTP I/O threads
  // Larger bodies are refused with 413 (imports: max_import_body_bytes).
  size_t max_body_bytes = 4 << 20;
  size_t max_import_body_bytes = 256 << 20;
  // HTTPS: the certificate chain and its private key (PEM), both or
  // neither; with tls_client_ca_file, clients must present a certificate
  // that CA signed (mTLS). Plaintext is allowed on loopback only unless
  // allow_insecure_remote (behind a TLS proxy): the gRPC rules.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool allow_insecure_remote = false;
  // The web application's files, served at every path outside /v1/ (a path
  // without a file extension answers index.html: the page routes itself).
  // Empty: no web application.
  std::string web_dir;
};

// The web application shipped with the build (clients/web/), or
// $PASSERELLE_WEB_DIR.
std::string DefaultWebDir();

// The channel that serves a service, by full name ("passerelle.v1.
// OfferService"); the embedded server answers the same channel for all.
using ChannelFor =
    std::function<std::shared_ptr<grpc::Channel>(const std::string& service)>;

class Gateway {
 public:
  // Listens and serves. Errors name the option at fault.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      const GatewayOptions& options, ChannelFor channels);
  virtual ~Gateway() = default;
  virtual int port() const = 0;
  // Stops accepting, cancels streams in flight (Watch), closes connections
  // and joins the I/O threads. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace passerelle::gateway
