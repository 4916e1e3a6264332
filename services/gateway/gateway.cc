#include "services/gateway/gateway.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "glog/logging.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"
#include "services/gateway/cookies.h"
#include "services/gateway/openapi.h"
#include "services/gateway/routes.h"
#include "services/gateway/transcode.h"
#include "storage/status_macros.h"

namespace passerelle::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using google::protobuf::Message;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr auto kCallDeadline = std::chrono::seconds(120);

bool IsLoopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1" ||
         address.rfind("127.", 0) == 0;
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* d) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(d)
          ->New());
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool BufferBytes(grpc::ByteBuffer* buffer, std::string* bytes) {
  std::vector<grpc::Slice> slices;
  if (!buffer->Dump(&slices).ok()) return false;
  bytes->clear();
  for (const grpc::Slice& s : slices) {
    bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return true;
}

bool ParseBuffer(grpc::ByteBuffer* buffer, Message* message) {
  std::string bytes;
  return BufferBytes(buffer, &bytes) && message->ParseFromString(bytes);
}

// The answers that open or close a browser session (see SessionCookies).
bool IsSessionAnswer(const google::protobuf::Descriptor* d) {
  return d->full_name() == "passerelle.v1.SignInResponse" ||
         d->full_name() == "passerelle.v1.SignOutResponse";
}

Response MakeResponse(unsigned version, bool keep_alive, int status,
                      std::string body,
                      absl::string_view content_type = "application/json") {
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::content_type,
          absl::StrCat(content_type, "; charset=utf-8"));
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(unsigned version, bool keep_alive, int http_status,
                       absl::StatusCode code, absl::string_view message) {
  return MakeResponse(version, keep_alive, http_status,
                      ErrorJson(http_status, code, message));
}

Response FromGrpcError(unsigned version, bool keep_alive,
                       const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  return ErrorResponse(version, keep_alive, HttpStatusFor(code), code,
                       status.error_message());
}

class GatewayImpl;

// One HTTP connection, plaintext or TLS: reads a request, hands it to the
// gateway, writes its answer, reads the next (keep-alive). Every socket
// operation runs on the connection's strand; gRPC completions post back to
// it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `tls`: the server's TLS context, or nullptr for plaintext.
  Session(tcp::socket socket, net::ssl::context* tls, GatewayImpl* gateway)
      : gateway_(gateway) {
    if (tls != nullptr) {
      tls_.emplace(std::move(socket), *tls);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  void Start() {
    net::dispatch(tcp_stream().get_executor(), [self = shared_from_this()] {
      if (!self->tls_) {
        self->ReadHeader();
        return;
      }
      self->tcp_stream().expires_after(kIdleTimeout);
      self->tls_->async_handshake(net::ssl::stream_base::server,
                                  [self](beast::error_code ec) {
                                    if (ec) {
                                      self->tcp_stream().close();
                                    } else {
                                      self->ReadHeader();
                                    }
                                  });
    });
  }

  // Writes a whole response, then reads the next request unless the
  // response closes the connection. Any thread.
  void Send(Response response) {
    net::post(tcp_stream().get_executor(),
              [self = shared_from_this(), res = std::move(response)]() mutable {
                auto shared = std::make_shared<Response>(std::move(res));
                self->WithStream([&](auto& stream) {
                  http::async_write(
                      stream, *shared,
                      [self, shared](beast::error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                        } else if (shared->need_eof()) {
                          self->LingeringClose();
                        } else {
                          self->ReadHeader();
                        }
                      });
                });
              });
  }

  // For streams (Server-Sent Events): writes raw bytes; `done(ok)` runs
  // when written (false: the client is gone). Any thread.
  void WriteRaw(std::string bytes, std::function<void(bool)> done) {
    net::post(tcp_stream().get_executor(), [self = shared_from_this(),
                                            bytes = std::move(bytes),
                                            done = std::move(done)]() mutable {
      auto shared = std::make_shared<std::string>(std::move(bytes));
      self->tcp_stream().expires_never();
      self->WithStream([&](auto& stream) {
        net::async_write(stream, net::buffer(*shared),
                         [self, shared, done = std::move(done)](
                             beast::error_code ec, size_t) { done(!ec); });
      });
    });
  }

  // After an answer that ends the connection (e.g. 413 before the body was
  // read): stops sending, then reads and drops what the client still
  // sends for a while, so that closing with unread data does not reset the
  // connection before the client has read the answer.
  void LingeringClose() {
    beast::error_code ec;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp_stream().expires_after(std::chrono::seconds(5));
    Drain();
  }

  std::string RemoteAddress() {
    beast::error_code ec;
    const auto endpoint = tcp_stream().socket().remote_endpoint(ec);
    return ec ? "" : endpoint.address().to_string();
  }

  void Close() {
    net::post(tcp_stream().get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ec);
      self->tcp_stream().close();
    });
  }

 private:
  // Runs `f(stream)` on the connection's stream, TLS or plaintext.
  template <typename F>
  void WithStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  // The TCP layer (timeouts, shutdown, close).
  beast::tcp_stream& tcp_stream() {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }

  void Drain() {
    // Under TLS the socket is already half-closed: drop raw bytes.
    tcp_stream().async_read_some(
        net::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            self->tcp_stream().close();
          } else {
            self->Drain();
          }
        });
  }
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void OnBody(beast::error_code ec);

  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  GatewayImpl* gateway_;
  char drain_[16 * 1024];
};

// A client-streaming call (imports): sends every request, then reads the
// one answer.
class ClientStreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ClientStreamCall(const Route* route, std::vector<std::string> requests,
                   std::shared_ptr<Session> session, unsigned version,
                   bool keep_alive, std::function<void()> done)
      : done_(std::move(done)),
        route_(route),
        requests_(std::move(requests)),
        session_(std::move(session)),
        version_(version),
        keep_alive_(keep_alive) {}

  grpc::ClientContext* context() { return &context_; }

  void Start(grpc::GenericStub* stub) {
    stub->PrepareBidiStreamingCall(&context_, route_->grpc_method,
                                   grpc::StubOptions(), this);
    StartRead(&response_);
    WriteNext();
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the server ended the call: its status follows
    WriteNext();
  }
  void OnReadDone(bool ok) override { got_response_ = ok; }
  void OnDone(const grpc::Status& status) override {
    if (!status.ok()) {
      session_->Send(FromGrpcError(version_, keep_alive_, status));
    } else {
      std::unique_ptr<Message> answer =
          NewMessage(route_->method->output_type());
      if (!got_response_ || !ParseBuffer(&response_, answer.get())) {
        session_->Send(ErrorResponse(version_, keep_alive_, 500,
                                     absl::StatusCode::kInternal,
                                     "the service sent no answer"));
      } else {
        session_->Send(
            MakeResponse(version_, keep_alive_, 200, ToJson(*answer)));
      }
    }
    std::function<void()> done = std::move(done_);
    delete this;
    done();
  }

 private:
  void WriteNext() {
    if (next_ < requests_.size()) {
      write_buffer_ = ToBuffer(requests_[next_++]);
      StartWrite(&write_buffer_);
    } else {
      StartWritesDone();
    }
  }

  std::function<void()> done_;
  const Route* route_;
  std::vector<std::string> requests_;
  size_t next_ = 0;
  std::shared_ptr<Session> session_;
  unsigned version_;
  bool keep_alive_;
  grpc::ClientContext context_;
  grpc::ByteBuffer write_buffer_;
  grpc::ByteBuffer response_;
  bool got_response_ = false;
};

// A server-streaming call (Watch) as Server-Sent Events: one `data:` line of
// proto3 JSON per message (with `id:` = its sequence when it has one), an
// `event: error` with the error JSON if the stream fails. The next message
// is read only once the previous one is written (back-pressure); a client
// that goes away cancels the call.
class ServerStreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ServerStreamCall(const Route* route, std::string request,
                   std::shared_ptr<Session> session, GatewayImpl* gateway);
  ~ServerStreamCall() override;

  grpc::ClientContext* context() { return context_.get(); }
  void Start(grpc::GenericStub* stub) {
    request_ = ToBuffer(request_bytes_);
    stub->PrepareBidiStreamingCall(context_.get(), route_->grpc_method,
                                   grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void Cancel() { context_->TryCancel(); }

  void OnWriteDone(bool) override {}
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    std::unique_ptr<Message> event = NewMessage(route_->method->output_type());
    std::string text;
    if (ParseBuffer(&response_, event.get())) {
      const auto* seq = event->GetDescriptor()->FindFieldByName("sequence");
      if (seq != nullptr &&
          seq->cpp_type() ==
              google::protobuf::FieldDescriptor::CPPTYPE_UINT64) {
        absl::StrAppend(&text,
                        "id: ", event->GetReflection()->GetUInt64(*event, seq),
                        "\n");
      }
      absl::StrAppend(&text, "data: ", ToJson(*event), "\n\n");
    }
    AddHold();
    session_->WriteRaw(std::move(text), [this](bool written) {
      if (written) {
        StartRead(&response_);
      } else {
        context_->TryCancel();
      }
      RemoveHold();
    });
  }
  void OnDone(const grpc::Status& status) override {
    std::string text;
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      const auto code = static_cast<absl::StatusCode>(status.error_code());
      text = absl::StrCat(
          "event: error\ndata: ",
          ErrorJson(HttpStatusFor(code), code, status.error_message()), "\n\n");
    }
    auto session = session_;
    session->WriteRaw(std::move(text), [session](bool) { session->Close(); });
    delete this;
  }

 private:
  const Route* route_;
  std::string request_bytes_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::shared_ptr<Session> session_;
  GatewayImpl* gateway_;
  // Shared with the gateway, which may cancel it while the call ends.
  std::shared_ptr<grpc::ClientContext> context_ =
      std::make_shared<grpc::ClientContext>();
};

class GatewayImpl final : public Gateway {
 public:
  absl::Status Init(const GatewayOptions& options, ChannelFor channels) {
    options_ = options;
    if (options.port < 0 || options.port > 65535) {
      return absl::InvalidArgumentError("http_port: must be within [0, 65535]");
    }
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_cert_file: give both tls_cert_file and tls_key_file, or "
          "neither");
    }
    if (options.tls_cert_file.empty()) {
      if (!options.tls_client_ca_file.empty()) {
        return absl::InvalidArgumentError(
            "tls_client_ca_file: needs tls_cert_file and tls_key_file");
      }
      if (!IsLoopback(options.listen_address) &&
          !options.allow_insecure_remote) {
        return absl::InvalidArgumentError(
            "listen: plaintext HTTP is allowed on loopback only; give "
            "tls_cert_file and tls_key_file (or allow_insecure_remote behind "
            "a TLS proxy)");
      }
    } else {
      RETURN_IF_ERROR(InitTls(options));
    }
    for (const Route& route : RouteTable::V1().routes()) {
      const std::string service = route.method->service()->full_name();
      if (stubs_.count(service) == 0) {
        std::shared_ptr<grpc::Channel> channel = channels(service);
        if (channel == nullptr) continue;  // not served by this layout
        stubs_[service] = std::make_unique<grpc::GenericStub>(channel);
      }
    }
    openapi_ = OpenApiJson(RouteTable::V1());

    beast::error_code ec;
    const auto address = net::ip::make_address(
        options.listen_address == "localhost" ? "127.0.0.1"
                                              : options.listen_address,
        ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("listen: not an IP address: ", options.listen_address));
    }
    const tcp::endpoint endpoint(address,
                                 static_cast<unsigned short>(options.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("http_port: cannot listen on ", options.listen_address,
                       ":", options.port, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, options.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    if (!options.port_file.empty()) {
      const std::string tmp = options.port_file + ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << port_ << "\n";
        if (!out.flush()) {
          return absl::InvalidArgumentError(
              absl::StrCat("http_port_file: cannot write ", tmp));
        }
      }
      if (std::rename(tmp.c_str(), options.port_file.c_str()) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("http_port_file: cannot write ", options.port_file));
      }
    }
    LOG(INFO) << "HTTP/JSON on " << (tls_ ? "https://" : "http://")
              << options.listen_address << ":" << port_ << " ("
              << RouteTable::V1().routes().size()
              << " routes, /v1/openapi.json)";
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  // TLS 1.2 or later with the server's certificate chain and key (PEM);
  // with tls_client_ca_file, clients must present a certificate it signed.
  absl::Status InitTls(const GatewayOptions& options) {
    tls_.emplace(net::ssl::context::tls_server);
    tls_->set_options(
        net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
        net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    tls_->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls_cert_file: cannot use ", options.tls_cert_file,
                       ": ", ec.message()));
    }
    tls_->use_private_key_file(options.tls_key_file, net::ssl::context::pem,
                               ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls_key_file: cannot use ", options.tls_key_file, ": ",
                       ec.message()));
    }
    if (!options.tls_client_ca_file.empty()) {
      tls_->load_verify_file(options.tls_client_ca_file, ec);
      if (ec) {
        return absl::InvalidArgumentError(
            absl::StrCat("tls_client_ca_file: cannot use ",
                         options.tls_client_ca_file, ": ", ec.message()));
      }
      tls_->set_verify_mode(net::ssl::verify_peer |
                            net::ssl::verify_fail_if_no_peer_cert);
    }
    return absl::OkStatus();
  }

  void Shutdown() override {
    std::vector<std::shared_ptr<grpc::ClientContext>> streams;
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return;
      stopped_ = true;
      for (const auto& [call, context] : streams_) streams.push_back(context);
    }
    for (const auto& context : streams) context->TryCancel();
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    // Streams end once cancelled; the calls in flight have deadlines.
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &GatewayImpl::Idle),
                           absl::Seconds(10));
    }
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  ~GatewayImpl() override { Shutdown(); }

  size_t BodyLimit(absl::string_view target) const {
    const absl::string_view path = target.substr(0, target.find('?'));
    return absl::EndsWith(path, ":import") ? options_.max_import_body_bytes
                                           : options_.max_body_bytes;
  }

  void Handle(Request request, std::shared_ptr<Session> session) {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    const absl::string_view target(request.target().data(),
                                   request.target().size());
    const size_t q = target.find('?');
    const absl::string_view path = target.substr(0, q);
    const absl::string_view query = q == absl::string_view::npos
                                        ? absl::string_view()
                                        : target.substr(q + 1);
    const std::string method(request.method_string());

    if (path == "/v1/openapi.json" && (method == "GET" || method == "HEAD")) {
      session->Send(MakeResponse(version, keep_alive, 200, openapi_));
      return;
    }
    if (!absl::StartsWith(path, "/v1/") && !options_.web_dir.empty()) {
      session->Send(StaticFile(path, method, version, keep_alive));
      return;
    }
    std::vector<std::string> allowed;
    absl::StatusOr<RouteTable::Match> match =
        RouteTable::V1().Find(method, path, &allowed);
    if (!match.ok()) {
      if (match.status().code() == absl::StatusCode::kFailedPrecondition) {
        Response res = ErrorResponse(
            version, keep_alive, 405, absl::StatusCode::kUnimplemented,
            absl::StrCat(method, " is not allowed here; allowed: ",
                         absl::StrJoin(allowed, ", ")));
        res.set(http::field::allow, absl::StrJoin(allowed, ", "));
        session->Send(std::move(res));
      } else {
        session->Send(ErrorResponse(version, keep_alive, 404,
                                    absl::StatusCode::kNotFound,
                                    match.status().message()));
      }
      return;
    }
    const Route& route = *match->route;
    auto stub = stubs_.find(route.method->service()->full_name());
    if (stub == stubs_.end()) {
      session->Send(ErrorResponse(
          version, keep_alive, 501, absl::StatusCode::kUnimplemented,
          absl::StrCat(route.method->service()->name(),
                       " is not served by this gateway")));
      return;
    }
    // A bearer token (machines), else a signed-in person's session cookie,
    // whose state-changing requests must prove they come from our pages.
    std::string authorization(request[http::field::authorization].data(),
                              request[http::field::authorization].size());
    const std::string session_token =
        CookieValue(absl::string_view(request[http::field::cookie].data(),
                                      request[http::field::cookie].size()),
                    kSessionCookie);
    if (method != "GET" && method != "HEAD") {
      const absl::string_view origin(request[http::field::origin].data(),
                                     request[http::field::origin].size());
      const absl::string_view host(request[http::field::host].data(),
                                   request[http::field::host].size());
      if (!SameOrigin(origin, host)) {
        session->Send(ErrorResponse(
            version, keep_alive, 403, absl::StatusCode::kPermissionDenied,
            absl::StrCat("origin: a cross-site request (from ", origin,
                         ") is refused")));
        return;
      }
      if (authorization.empty() && !session_token.empty() &&
          std::string(request[beast::string_view(kCsrfHeader.data(),
                                                 kCsrfHeader.size())]) !=
              CsrfToken(session_token)) {
        session->Send(ErrorResponse(
            version, keep_alive, 403, absl::StatusCode::kPermissionDenied,
            absl::StrCat("csrf: missing or wrong ", kCsrfHeader, " header")));
        return;
      }
    }
    if (authorization.empty() && !session_token.empty()) {
      authorization = absl::StrCat("Bearer ", session_token);
    }
    // A body must say what it is: JSON (NDJSON for a stream).
    if (!request.body().empty()) {
      const std::string type = absl::AsciiStrToLower(
          std::string(request[http::field::content_type].data(),
                      request[http::field::content_type].size()));
      const absl::string_view expected = route.client_streaming()
                                             ? "application/x-ndjson"
                                             : "application/json";
      if (!absl::StartsWith(type, expected)) {
        session->Send(ErrorResponse(
            version, keep_alive, 415, absl::StatusCode::kInvalidArgument,
            absl::StrCat("content-type: must be ", expected, ", not \"", type,
                         "\"")));
        return;
      }
    }

    const std::string client_address = session->RemoteAddress();
    auto set_metadata = [&](grpc::ClientContext* context) {
      if (!authorization.empty()) {
        context->AddMetadata("authorization", authorization);
      }
      // The person's address, for sign-in throttling and the audit log
      // (trusted by the services only from a loopback or in-process peer).
      if (!client_address.empty()) {
        context->AddMetadata("x-forwarded-for", client_address);
      }
    };

    const google::protobuf::Descriptor* input = route.method->input_type();
    if (route.client_streaming()) {
      std::vector<std::string> requests;
      std::unique_ptr<Message> prototype = NewMessage(input);
      absl::Status built = BuildStreamRequests(*match, query, request.body(),
                                               *prototype, &requests);
      if (!built.ok()) {
        session->Send(ErrorResponse(version, keep_alive, 400, built.code(),
                                    built.message()));
        return;
      }
      BeginCall();
      auto* call =
          new ClientStreamCall(&route, std::move(requests), session, version,
                               keep_alive, [this] { EndCall(); });
      set_metadata(call->context());
      call->context()->set_deadline(std::chrono::system_clock::now() +
                                    std::chrono::minutes(30));
      call->Start(stub->second.get());
      return;
    }

    std::unique_ptr<Message> grpc_request = NewMessage(input);
    absl::Status built =
        BuildRequest(*match, query, request.body(), grpc_request.get());
    if (!built.ok()) {
      session->Send(ErrorResponse(version, keep_alive, 400, built.code(),
                                  built.message()));
      return;
    }

    if (route.server_streaming()) {
      auto* call = new ServerStreamCall(
          &route, grpc_request->SerializeAsString(), session, this);
      set_metadata(call->context());
      // Headers first, so that the client knows the stream is open.
      std::string head = absl::StrCat(
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; "
          "charset=utf-8\r\nCache-Control: no-store\r\nConnection: "
          "close\r\nX-Content-Type-Options: nosniff\r\n\r\n");
      grpc::GenericStub* generic = stub->second.get();
      session->WriteRaw(std::move(head), [call, generic](bool ok) {
        if (!ok) call->Cancel();
        call->Start(generic);
      });
      return;
    }

    struct UnaryCall {
      grpc::ClientContext context;
      grpc::ByteBuffer request;
      grpc::ByteBuffer response;
    };
    BeginCall();
    auto call = std::make_shared<UnaryCall>();
    set_metadata(&call->context);
    call->context.set_deadline(std::chrono::system_clock::now() +
                               kCallDeadline);
    call->request = ToBuffer(grpc_request->SerializeAsString());
    const google::protobuf::Descriptor* output = route.method->output_type();
    stub->second->UnaryCall(
        &call->context, route.grpc_method, grpc::StubOptions(), &call->request,
        &call->response,
        [this, call, session, output, version,
         keep_alive](grpc::Status status) {
          if (!status.ok()) {
            session->Send(FromGrpcError(version, keep_alive, status));
          } else {
            // Most answers go from bytes to JSON directly; sessions are
            // opened and closed on a parsed answer (cookies).
            absl::StatusOr<std::string> json =
                absl::InvalidArgumentError("unparsed");
            std::vector<std::string> cookies;
            if (IsSessionAnswer(output)) {
              std::unique_ptr<Message> answer = NewMessage(output);
              if (ParseBuffer(&call->response, answer.get())) {
                cookies = SessionCookies(answer.get());
                json = ToJson(*answer);
              }
            } else {
              std::string bytes;
              if (BufferBytes(&call->response, &bytes)) {
                json = BytesToJson(output, bytes);
              }
            }
            if (json.ok()) {
              Response res =
                  MakeResponse(version, keep_alive, 200, *std::move(json));
              for (const std::string& c : cookies) {
                res.insert(http::field::set_cookie, c);
              }
              session->Send(std::move(res));
            } else {
              session->Send(ErrorResponse(
                  version, keep_alive, 500, absl::StatusCode::kInternal,
                  "unreadable answer from the service"));
            }
          }
          EndCall();
        });
  }

  // A file of the web application. Paths are checked segment by segment
  // (no "..", no hidden files), so nothing outside web_dir is reachable.
  Response StaticFile(absl::string_view path, const std::string& method,
                      unsigned version, bool keep_alive) const {
    if (method != "GET" && method != "HEAD") {
      return ErrorResponse(version, keep_alive, 405,
                           absl::StatusCode::kUnimplemented,
                           "the web application is read with GET");
    }
    std::string relative;
    for (absl::string_view segment : absl::StrSplit(path, '/')) {
      if (segment.empty()) continue;
      if (segment[0] == '.' || segment.find('\\') != absl::string_view::npos ||
          segment.find('%') != absl::string_view::npos) {
        return ErrorResponse(version, keep_alive, 404,
                             absl::StatusCode::kNotFound, "no such page");
      }
      absl::StrAppend(&relative, relative.empty() ? "" : "/", segment);
    }
    const size_t slash = relative.rfind('/');
    const bool has_extension =
        relative.find('.', slash == std::string::npos ? 0 : slash) !=
        std::string::npos;
    if (!has_extension) relative = "index.html";
    std::ifstream in(absl::StrCat(options_.web_dir, "/", relative),
                     std::ios::binary);
    if (!in) {
      return ErrorResponse(version, keep_alive, 404,
                           absl::StatusCode::kNotFound, "no such page");
    }
    std::stringstream content;
    content << in.rdbuf();
    static const std::map<std::string, std::string> kTypes = {
        {"html", "text/html"},        {"js", "text/javascript"},
        {"css", "text/css"},          {"svg", "image/svg+xml"},
        {"json", "application/json"}, {"png", "image/png"},
        {"ico", "image/x-icon"},      {"woff2", "font/woff2"},
        {"txt", "text/plain"}};
    const std::string ext = relative.substr(relative.rfind('.') + 1);
    auto type = kTypes.find(ext);
    Response res = MakeResponse(
        version, keep_alive, 200, content.str(),
        type == kTypes.end() ? "application/octet-stream" : type->second);
    res.set(http::field::cache_control,
            ext == "html" ? "no-cache" : "max-age=300");
    // Nothing but our own files; no framing by another site.
    res.set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    if (method == "HEAD") res.body().clear();
    return res;
  }

  // Signing in over HTTP sets the session cookies (the session token goes
  // in the HttpOnly cookie only, never in the page-readable body); signing
  // out expires them.
  static std::vector<std::string> SessionCookies(Message* answer) {
    const google::protobuf::Descriptor* d = answer->GetDescriptor();
    if (d->full_name() == "passerelle.v1.SignOutResponse") {
      return {SessionCookie("", 0), CsrfCookie("", 0)};
    }
    if (d->full_name() != "passerelle.v1.SignInResponse") return {};
    const auto* token_field = d->FindFieldByName("session_token");
    const auto* expire_field = d->FindFieldByName("expire_time");
    const google::protobuf::Reflection* r = answer->GetReflection();
    const std::string token = r->GetString(*answer, token_field);
    long max_age = 12 * 3600;
    if (expire_field != nullptr && r->HasField(*answer, expire_field)) {
      const auto& expire = static_cast<const google::protobuf::Timestamp&>(
          r->GetMessage(*answer, expire_field));
      max_age = std::max<long>(
          0, expire.seconds() - absl::ToUnixSeconds(absl::Now()));
    }
    r->ClearField(answer, token_field);
    return {SessionCookie(token, max_age),
            CsrfCookie(CsrfToken(token), max_age)};
  }

  void AddStream(ServerStreamCall* call,
                 std::shared_ptr<grpc::ClientContext> context) {
    absl::MutexLock lock(&mu_);
    if (stopped_) context->TryCancel();
    streams_[call] = std::move(context);
  }
  void RemoveStream(ServerStreamCall* call) {
    absl::MutexLock lock(&mu_);
    streams_.erase(call);
  }
  // Counts the unary and client-stream calls in flight, which post their
  // answer to the I/O threads: Shutdown waits for them.
  void BeginCall() {
    absl::MutexLock lock(&mu_);
    ++calls_;
  }
  void EndCall() {
    absl::MutexLock lock(&mu_);
    --calls_;
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        LOG(WARNING) << "HTTP accept: " << ec.message();
      } else {
        std::make_shared<Session>(std::move(socket), tls_ ? &*tls_ : nullptr,
                                  this)
            ->Start();
      }
      Accept();
    });
  }

  GatewayOptions options_;
  std::optional<net::ssl::context> tls_;  // set: HTTPS
  net::io_context ioc_;
  tcp::acceptor acceptor_{net::make_strand(ioc_)};
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  std::string openapi_;
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return calls_ == 0 && streams_.empty();
  }

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<ServerStreamCall*, std::shared_ptr<grpc::ClientContext>> streams_
      ABSL_GUARDED_BY(mu_);
};

ServerStreamCall::ServerStreamCall(const Route* route, std::string request,
                                   std::shared_ptr<Session> session,
                                   GatewayImpl* gateway)
    : route_(route),
      request_bytes_(std::move(request)),
      session_(std::move(session)),
      gateway_(gateway) {
  gateway_->AddStream(this, context_);
}

ServerStreamCall::~ServerStreamCall() { gateway_->RemoveStream(this); }

void Session::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(16 * 1024);
  // Beast checks Content-Length against the body limit while parsing the
  // header: no limit here, the route's limit is set once the target is known.
  parser_->body_limit(boost::none);
  tcp_stream().expires_after(kIdleTimeout);
  WithStream([&](auto& stream) {
    http::async_read_header(
        stream, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) {
    if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
        ec != net::error::operation_aborted && ec != net::error::eof &&
        ec != net::ssl::error::stream_truncated) {
      Send(ErrorResponse(
          11, false, 400, absl::StatusCode::kInvalidArgument,
          absl::StrCat("malformed HTTP request: ", ec.message())));
    } else {
      Close();
    }
    return;
  }
  const auto& header = parser_->get();
  const size_t limit = gateway_->BodyLimit(
      absl::string_view(header.target().data(), header.target().size()));
  if (parser_->content_length() && *parser_->content_length() > limit) {
    Send(ErrorResponse(header.version(), false, 413,
                       absl::StatusCode::kInvalidArgument,
                       absl::StrCat("body: larger than ", limit, " bytes")));
    return;
  }
  parser_->body_limit(limit);
  WithStream([&](auto& stream) {
    http::async_read(stream, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnBody(ec);
                     });
  });
}

void Session::OnBody(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    Send(ErrorResponse(parser_->get().version(), false, 413,
                       absl::StatusCode::kInvalidArgument,
                       "body: larger than the limit"));
    return;
  }
  if (ec) {
    Close();
    return;
  }
  tcp_stream().expires_never();  // the call has its own deadline
  gateway_->Handle(parser_->release(), shared_from_this());
}

}  // namespace

std::string DefaultWebDir() {
  const char* env = std::getenv("PASSERELLE_WEB_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return PASSERELLE_DEFAULT_WEB_DIR;
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    const GatewayOptions& options, ChannelFor channels) {
  auto gateway = std::make_unique<GatewayImpl>();
  absl::Status status = gateway->Init(options, std::move(channels));
  if (!status.ok()) {
    gateway->Shutdown();
    return status;
  }
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace passerelle::gateway
