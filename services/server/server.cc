#include "services/server/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "glog/logging.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "passerelle/v1/proposal.grpc.pb.h"
#include "services/changefeed/changefeed.h"
#include "services/common/referentials.h"
#include "services/gateway/gateway.h"
#include "services/graduates/graduates.h"
#include "services/integration/integration.h"
#include "services/matching/index.h"
#include "services/matching/matching.h"
#include "services/offers/offers.h"
#include "services/organizations/organizations.h"
#include "services/organizations/remote.h"
#include "services/proposals/proposals.h"
#include "services/referentials/referential_service.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"
#include "services/runtime/import_reactor.h"
#include "services/runtime/mail.h"
#include "services/runtime/malformed_request.h"
#include "services/runtime/recent.h"
#include "services/runtime/thread_pool.h"
#include "storage/status_macros.h"
#include "storage/store.h"

namespace passerelle::server {
namespace {

// Imported records waiting for the matcher (it is usually a batch behind;
// past this many it reads them back from the store).
constexpr size_t kRecentRecords = 1 << 16;

bool IsLoopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1" ||
         address == "[::1]" || address.rfind("127.", 0) == 0;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* flag) {
  std::ifstream in(path);
  if (!in)
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << "\n";
    if (!out.flush()) {
      return absl::InvalidArgumentError(
          absl::StrCat("port_file: cannot write ", tmp));
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "port_file: cannot rename to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The data directory holds minors' personal data (the WAL, the tables) and
// the admin token: only the server's user may enter it. Created 0700 when
// missing; an existing one open to others (made beforehand with the usual
// 0755) is closed to 0700, and the log says so. Refused when it is not a
// directory or belongs to another user (its owner could open it again).
absl::Status PrivateDataDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0) return absl::OkStatus();
  if (errno != EEXIST) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data_dir: cannot create ", path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data_dir: cannot read ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: ", path, " is not a directory"));
  }
  if (st.st_uid != geteuid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: ", path, " belongs to user ", st.st_uid,
                     ", not to the server's user ", geteuid()));
  }
  const mode_t mode = st.st_mode & 07777;
  if ((mode & 077) == 0) return absl::OkStatus();
  if (chmod(path.c_str(), 0700) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: ", path, " is open to other users (mode ",
                     absl::StrFormat("%04o", mode),
                     ") and cannot be closed: ", std::strerror(errno)));
  }
  LOG(WARNING) << "data_dir: " << path << " was open to other users (mode "
               << absl::StrFormat("%04o", mode) << "): its mode is now 0700";
  return absl::OkStatus();
}

// The secret keying candidates' pseudonyms and ids: made on the first
// start, kept in the data directory (mode 0600) so pseudonyms and candidate
// ids survive restarts.
absl::StatusOr<std::string> PseudonymKey(const std::string& data_dir) {
  const std::string path = data_dir + "/pseudonym.key";
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() >= 32) return ss.str();
  }
  const std::string key = runtime::NewToken();  // 256 random bits
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << key;
    if (!out.flush()) {
      return absl::InternalError(absl::StrCat("data_dir: cannot write ", tmp));
    }
  }
  chmod(tmp.c_str(), 0600);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("data_dir: cannot write ", path));
  }
  return key;
}

class ServerImpl final : public Server {
 public:
  absl::Status Init(const Options& options) {
    options_ = options;
    if (options.data_dir.empty()) {
      return absl::InvalidArgumentError("data_dir: required");
    }
    RETURN_IF_ERROR(PrivateDataDir(options.data_dir));
    if (options.port < 0 || options.port > 65535) {
      return absl::InvalidArgumentError("port: must be within [0, 65535]");
    }
    if (options.worker_threads < 1 || options.worker_threads > 64) {
      return absl::InvalidArgumentError(
          "worker_threads: must be within [1, 64]");
    }
    if (options.rank_threads < 1 || options.rank_threads > 64) {
      return absl::InvalidArgumentError("rank_threads: must be within [1, 64]");
    }
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_cert_file: give both tls_cert_file and tls_key_file");
    }
    const bool tls = !options.tls_cert_file.empty();
    if (!tls && !IsLoopback(options.listen_address) &&
        !options.allow_insecure_remote) {
      return absl::InvalidArgumentError(
          "listen: plaintext is allowed on loopback only; give tls_cert_file "
          "and tls_key_file, or allow_insecure_remote");
    }
    const std::string refs_dir = options.referentials_dir.empty()
                                     ? common::DefaultDataDir()
                                     : options.referentials_dir;
    ASSIGN_OR_RETURN(referentials_, common::Referentials::Load(refs_dir));

    const Mode mode = options.mode;
    const bool all = mode == Mode::kAll;
    storage::Store::Options store_options;
    store_options.path = options.data_dir + "/db";
    std::vector<std::vector<std::string>> tables;
    if (all || mode == Mode::kOrganizations)
      tables.push_back(organizations::Tables());
    if (all || mode == Mode::kGraduates) tables.push_back(graduates::Tables());
    if (all || mode == Mode::kOffers) tables.push_back(offers::Tables());
    if (all) tables.push_back(proposals::Tables());
    if (all) tables.push_back(integration::Integration::Tables());
    tables.push_back(runtime::AuditLog::Tables());  // every process's own
    for (auto& group : tables) {
      for (std::string& t : group) store_options.tables.push_back(std::move(t));
    }
    ASSIGN_OR_RETURN(store_, storage::Store::Open(store_options));
    audit_ = std::make_unique<runtime::AuditLog>(store_.get());

    const runtime::Directory* directory = nullptr;
    if (all || mode == Mode::kOrganizations) {
      organizations::Organizations::AccountOptions accounts;
      if (options.clock) accounts.clock = options.clock;
      organizations_ = std::make_unique<organizations::Organizations>(
          store_.get(), referentials_.get(), audit_.get(), std::move(accounts));
      ASSIGN_OR_RETURN(bool created,
                       organizations_->EnsureAdminToken(admin_token_path()));
      if (created) {
        LOG(INFO) << "First start: the admin token is in " << admin_token_path()
                  << " (mode 0600)";
      }
      if (!options.smtp_url.empty()) {
        if (!absl::StartsWith(options.public_url, "https://") &&
            !absl::StartsWith(options.public_url, "http://")) {
          return absl::InvalidArgumentError(
              "--public_url: required with --smtp_url: the address the "
              "links in mails start with (https://...)");
        }
        runtime::SmtpOptions smtp;
        smtp.url = options.smtp_url;
        smtp.from = options.smtp_from;
        smtp.username = options.smtp_user;
        smtp.password = options.smtp_password;
        smtp.ca_file = options.smtp_ca_file;
        ASSIGN_OR_RETURN(mailer_, runtime::NewSmtpMailer(std::move(smtp)));
        organizations_->set_mailer(mailer_.get(), options.public_url);
      }
      authenticator_ = std::make_unique<organizations::StoreAuthenticator>(
          organizations_.get());
      directory = organizations_.get();
    } else {
      if (options.organizations_address.empty()) {
        return absl::InvalidArgumentError(
            "organizations_address: required for this service");
      }
      if (options.service_token_file.empty()) {
        return absl::InvalidArgumentError(
            "service_token_file: required for this service");
      }
      ASSIGN_OR_RETURN(std::string token, ReadFile(options.service_token_file,
                                                   "service_token_file"));
      std::shared_ptr<grpc::ChannelCredentials> channel_credentials =
          grpc::InsecureChannelCredentials();
      if (!options.organizations_ca_file.empty()) {
        grpc::SslCredentialsOptions ssl;
        ASSIGN_OR_RETURN(
            ssl.pem_root_certs,
            ReadFile(options.organizations_ca_file, "organizations_ca_file"));
        if (tls) {
          ASSIGN_OR_RETURN(ssl.pem_private_key,
                           ReadFile(options.tls_key_file, "tls_key_file"));
          ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                           ReadFile(options.tls_cert_file, "tls_cert_file"));
        }
        channel_credentials = grpc::SslCredentials(ssl);
      }
      auto remote = std::make_unique<organizations::RemoteOrganizations>(
          grpc::CreateChannel(options.organizations_address,
                              channel_credentials),
          std::string(absl::StripAsciiWhitespace(token)));
      directory = remote.get();
      authenticator_ = std::move(remote);
    }
    pool_ = std::make_unique<runtime::ThreadPool>(options.worker_threads);
    if (options.import_idle_timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "import_idle_timeout: must be positive");
    }
    import_calls_ =
        std::make_unique<runtime::ImportCalls>(options.import_idle_timeout);
    if (organizations_) {
      organization_service_ =
          std::make_unique<organizations::OrganizationServiceImpl>(
              organizations_.get(), authenticator_.get(), pool_.get());
    }
    if (all || mode == Mode::kGraduates) {
      graduates_ = std::make_unique<graduates::Graduates>(
          store_.get(), referentials_.get(), directory);
      graduates_->set_audit(audit_.get());
      graduate_service_ = std::make_unique<graduates::GraduateServiceImpl>(
          graduates_.get(), authenticator_.get(), pool_.get(),
          import_calls_.get());
      if (organizations_) {  // the young people's tokens need their record
        organizations_->set_graduate_lookup(
            [graduates = graduates_.get()](absl::string_view id) {
              return graduates->repository().Get(id);
            });
      }
    }
    if (all || mode == Mode::kOffers) {
      offers_ = std::make_unique<offers::Offers>(
          store_.get(), referentials_.get(), directory);
      // Stores written before an index existed get it before serving.
      ASSIGN_OR_RETURN(int64_t filled, offers_->FillIndexes());
      if (filled > 0) {
        LOG(INFO) << "Offers: filled the contract-type index of " << filled
                  << " stored offers (once, for stores written before it)";
      }
      if (options.search_hook_for_testing) {
        offers_->set_search_hook_for_testing(options.search_hook_for_testing);
      }
      offer_service_ = std::make_unique<offers::OfferServiceImpl>(
          offers_.get(), authenticator_.get(), pool_.get(),
          import_calls_.get());
    }
    referential_service_ =
        std::make_unique<referentials::ReferentialServiceImpl>(
            referentials_.get(), authenticator_.get(), pool_.get());
    changefeed_service_ = std::make_unique<changefeed::ChangeFeedServiceImpl>(
        store_.get(), authenticator_.get());
    if (all) {
      // The matcher follows the shared store's change log from its snapshot.
      ASSIGN_OR_RETURN(std::string key, PseudonymKey(options.data_dir));
      // Imported records reach the matcher without a read back.
      recent_graduates_ =
          std::make_unique<runtime::RecentRecords<v1::Graduate>>(
              kRecentRecords);
      recent_offers_ =
          std::make_unique<runtime::RecentRecords<v1::Offer>>(kRecentRecords);
      graduates_->repository().set_recent(recent_graduates_.get());
      offers_->repository().set_recent(recent_offers_.get());
      match_source_ = matching::NewStoreSource(
          store_.get(), recent_graduates_.get(), recent_offers_.get());
      ASSIGN_OR_RETURN(match_index_, matching::MatchingIndex::Start(
                                         match_source_.get(), *referentials_));
      matching_ = std::make_unique<matching::Matching>(match_index_.get(),
                                                       std::move(key));
      matching_->set_audit(audit_.get());
      if (options.plan_hook_for_testing) {
        matching_->set_plan_hook_for_testing(options.plan_hook_for_testing);
      }
      // Ranking has its own threads: searches, lists and imports queue
      // on pool_, never in front of a rank.
      rank_pool_ = std::make_unique<runtime::ThreadPool>(options.rank_threads);
      matching_service_ = std::make_unique<matching::MatchingServiceImpl>(
          matching_.get(), authenticator_.get(), rank_pool_.get());
      // Proposals write the graduates and offers they place (one commit);
      // they follow the change log to erase a deleted graduate's proposals.
      proposals::Proposals::Options proposal_options;
      proposal_options.store = store_.get();
      proposal_options.graduates = &graduates_->repository();
      proposal_options.offers = &offers_->repository();
      proposal_options.engine = &match_index_->engine();
      proposal_options.candidate = [m = matching_.get()](const v1::Graduate& g,
                                                         const v1::Offer& o) {
        return m->MakeCandidate(g, o);
      };
      proposal_options.candidate_ids = &matching_->candidate_ids();
      proposal_options.directory = directory;
      proposal_options.requests = &graduates_->requests();
      graduates_->set_offer_lookup(
          [offers = offers_.get()](absl::string_view id) {
            return offers->repository().Get(id);
          });
      if (options.clock) proposal_options.now = options.clock;
      proposal_options.announce = true;  // integration events, same commit
      proposal_options.audit = audit_.get();
      proposals_ =
          std::make_unique<proposals::Proposals>(std::move(proposal_options));
      graduate_service_->set_exporter(
          [p = proposals_.get()](const runtime::Caller& caller,
                                 absl::string_view graduate_id) {
            return p->Export(caller, graduate_id);
          });
      // ExplainMatch answers a company about the holders of its proposals.
      matching_->set_proposal_check(
          [p = proposals_.get()](absl::string_view offer_id,
                                 absl::string_view graduate_id) {
            return p->Holds(offer_id, graduate_id);
          });
      RETURN_IF_ERROR(proposals_->StartErasure());
      proposal_service_ = std::make_unique<proposals::ProposalServiceImpl>(
          proposals_.get(), authenticator_.get(), pool_.get());

      // Webhooks and feeds of the proposals' events (integration/).
      integration::Integration::Options integration_options;
      integration_options.store = store_.get();
      if (options.clock) integration_options.clock = options.clock;
      ASSIGN_OR_RETURN(
          integration_options.policy,
          integration::AddressPolicy::Create(options.webhook_allowed_hosts));
      integration_options.post.ca_file = options.webhook_ca_file;
      if (options.webhook_retry_base > absl::ZeroDuration()) {
        integration_options.retry_base = options.webhook_retry_base;
      }
      if (options.webhook_timeout > absl::ZeroDuration()) {
        integration_options.post.timeout = options.webhook_timeout;
      }
      integration_options.placements =
          [p = proposals_.get()](const runtime::Caller& caller,
                                 const v1::ExportPlacementsRequest& request) {
            return p->ExportPlacements(caller, request);
          };
      integration_ = std::make_unique<integration::Integration>(
          std::move(integration_options));
      integration_->Start();
      graduate_service_->set_import_listener(
          [i = integration_.get()](const runtime::Caller& caller,
                                   const v1::ImportResponse& outcome,
                                   const grpc::Status& status) {
            i->ImportFinished(caller, "graduates", outcome, status);
          });
      offer_service_->set_import_listener(
          [i = integration_.get()](const runtime::Caller& caller,
                                   const v1::ImportResponse& outcome,
                                   const grpc::Status& status) {
            i->ImportFinished(caller, "offers", outcome, status);
          });
      integration_service_ =
          std::make_unique<integration::IntegrationServiceImpl>(
              integration_.get(), authenticator_.get(), pool_.get());
    }

    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (tls) {
      grpc::SslServerCredentialsOptions ssl(
          options.tls_client_ca_file.empty()
              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
      ASSIGN_OR_RETURN(pair.private_key,
                       ReadFile(options.tls_key_file, "tls_key_file"));
      ASSIGN_OR_RETURN(pair.cert_chain,
                       ReadFile(options.tls_cert_file, "tls_cert_file"));
      ssl.pem_key_cert_pairs.push_back(pair);
      if (!options.tls_client_ca_file.empty()) {
        ASSIGN_OR_RETURN(
            ssl.pem_root_certs,
            ReadFile(options.tls_client_ca_file, "tls_client_ca_file"));
      }
      credentials = grpc::SslServerCredentials(ssl);
    } else {
      credentials = grpc::InsecureServerCredentials();
    }

    grpc::EnableDefaultHealthCheckService(true);
    // Links the Health descriptor in, for reflection (see health.proto).
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    const std::string host =
        options.listen_address.find(':') != std::string::npos &&
                options.listen_address.front() != '['
            ? absl::StrCat("[", options.listen_address, "]")
            : options.listen_address;
    builder.AddListeningPort(absl::StrCat(host, ":", options.port), credentials,
                             &port_);
    builder.SetMaxReceiveMessageSize(options.max_message_bytes);
    // Every call passes through the server's interceptors, whatever its
    // service and however its handler is written: requests that do not
    // parse answer INVALID_ARGUMENT, not UNIMPLEMENTED, and no change can
    // escape the audit log.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(runtime::NewMalformedRequestInterceptorFactory());
    interceptors.push_back(runtime::NewAuditInterceptorFactory(
        audit_.get(), authenticator_.get()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    for (grpc::Service* service : std::initializer_list<grpc::Service*>{
             organization_service_.get(), graduate_service_.get(),
             offer_service_.get(), referential_service_.get(),
             changefeed_service_.get(), matching_service_.get(),
             proposal_service_.get(), integration_service_.get()}) {
      if (service != nullptr) builder.RegisterService(service);
    }
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("port: cannot listen on ",
                                                 options.listen_address, ":",
                                                 options.port));
    }
    if (!options.port_file.empty()) {
      RETURN_IF_ERROR(
          WriteFileAtomically(options.port_file, std::to_string(port_)));
    }
    if (options.http_port >= 0) {
      if (!all) {
        return absl::InvalidArgumentError(
            "http_port: the multi-process layout runs passerelle-gateway");
      }
      gateway::GatewayOptions http;
      http.listen_address = options.listen_address;
      http.port = options.http_port;
      http.port_file = options.http_port_file;
      // The gRPC port's TLS rules: the same certificate, and mTLS with it.
      http.tls_cert_file = options.tls_cert_file;
      http.tls_key_file = options.tls_key_file;
      http.tls_client_ca_file = options.tls_client_ca_file;
      http.allow_insecure_remote = options.allow_insecure_remote;
      http.max_body_bytes = options.max_message_bytes;
      http.web_dir =
          options.web_dir.empty() ? gateway::DefaultWebDir() : options.web_dir;
      std::shared_ptr<grpc::Channel> channel = InProcessChannel();
      ASSIGN_OR_RETURN(gateway_, gateway::Gateway::Start(
                                     http, [channel](const std::string&) {
                                       return channel;
                                     }));
    }
    LOG(INFO) << "Serving on " << options.listen_address << ":" << port_
              << (tls ? " (TLS)" : " (plaintext)") << ", data in "
              << options.data_dir;
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int http_port() const override {
    return gateway_ != nullptr ? gateway_->port() : 0;
  }

  std::shared_ptr<grpc::Channel> InProcessChannel() override {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  std::string admin_token_path() const override {
    return options_.data_dir + "/admin.token";
  }

  void Shutdown() override {
    {
      absl::MutexLock lock(&mu_);
      if (shutting_down_) return;
      shutting_down_ = true;
    }
    LOG(INFO) << "Shutting down: finishing in-flight calls";
    if (gateway_) gateway_->Shutdown();  // its calls go through server_
    if (changefeed_service_) changefeed_service_->Stop();
    // Queued plans are refused, the running one finishes: no plan call is
    // left for the server to wait for.
    if (matching_) matching_->StopPlans();
    // Imports write what they received and end with their counts, rather
    // than hold the shutdown until the deadline cancels them.
    if (import_calls_) import_calls_->StopAll();
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
      server_->Wait();
    }
    pool_.reset();  // runs what was scheduled, then joins
    rank_pool_.reset();
    if (proposals_) proposals_->Stop();  // stops following the store
    if (integration_) integration_->Stop();
    match_index_.reset();  // stops following the store
    if (store_) {
      absl::Status closed = store_->Close();
      if (!closed.ok()) LOG(ERROR) << "Closing the store: " << closed;
    }
    LOG(INFO) << "Stopped";
    done_.Notify();
  }

  void Wait() override { done_.WaitForNotification(); }

  ~ServerImpl() override { Shutdown(); }

 private:
  Options options_;
  int port_ = 0;
  std::unique_ptr<common::Referentials> referentials_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<runtime::AuditLog> audit_;
  // Before the repositories that point to them: destroyed after.
  std::unique_ptr<runtime::RecentRecords<v1::Graduate>> recent_graduates_;
  std::unique_ptr<runtime::RecentRecords<v1::Offer>> recent_offers_;
  std::unique_ptr<runtime::Mailer> mailer_;
  std::unique_ptr<organizations::Organizations> organizations_;
  std::unique_ptr<runtime::Authenticator> authenticator_;
  std::unique_ptr<graduates::Graduates> graduates_;
  std::unique_ptr<offers::Offers> offers_;
  std::unique_ptr<runtime::ThreadPool> pool_;
  std::unique_ptr<runtime::ThreadPool> rank_pool_;
  std::unique_ptr<runtime::ImportCalls> import_calls_;
  std::unique_ptr<organizations::OrganizationServiceImpl> organization_service_;
  std::unique_ptr<graduates::GraduateServiceImpl> graduate_service_;
  std::unique_ptr<offers::OfferServiceImpl> offer_service_;
  std::unique_ptr<referentials::ReferentialServiceImpl> referential_service_;
  std::unique_ptr<changefeed::ChangeFeedServiceImpl> changefeed_service_;
  std::unique_ptr<matching::RecordSource> match_source_;
  std::unique_ptr<matching::MatchingIndex> match_index_;
  std::unique_ptr<matching::Matching> matching_;
  std::unique_ptr<matching::MatchingServiceImpl> matching_service_;
  std::unique_ptr<proposals::Proposals> proposals_;
  std::unique_ptr<proposals::ProposalServiceImpl> proposal_service_;
  std::unique_ptr<integration::Integration> integration_;
  std::unique_ptr<integration::IntegrationServiceImpl> integration_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<gateway::Gateway> gateway_;
  absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification done_;
};

}  // namespace

absl::StatusOr<Mode> ParseMode(absl::string_view name) {
  if (name == "all") return Mode::kAll;
  if (name == "organizations") return Mode::kOrganizations;
  if (name == "graduates") return Mode::kGraduates;
  if (name == "offers") return Mode::kOffers;
  return absl::InvalidArgumentError(
      absl::StrCat("service: \"", name,
                   "\" is not one of all, organizations, graduates, offers"));
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Options& options) {
  auto server = std::make_unique<ServerImpl>();
  absl::Status status = server->Init(options);
  if (!status.ok()) {
    server->Shutdown();
    return status;
  }
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace passerelle::server
