#pragma once

// Test helpers: a real passerelle server in a temporary data directory,
// reached in process or over 127.0.0.1, and clients carrying a token.

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "passerelle/v1/changefeed.grpc.pb.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "passerelle/v1/proposal.grpc.pb.h"
#include "services/server/server.h"

namespace passerelle::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFileOrDie(const std::string& path);

enum class Transport { kInProcess, kLoopback };

// The stubs of every service on one channel, each call carrying `token`.
struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  std::unique_ptr<v1::OrganizationService::Stub> organizations;
  std::unique_ptr<v1::GraduateService::Stub> graduates;
  std::unique_ptr<v1::OfferService::Stub> offers;
  std::unique_ptr<v1::MatchingService::Stub> matching;
  std::unique_ptr<v1::ProposalService::Stub> proposals;
  std::unique_ptr<v1::ChangeFeedService::Stub> feed;

  // A context with the bearer token and a 30 s deadline.
  std::unique_ptr<grpc::ClientContext> Context() const;
};

class TestServer {
 public:
  // Starts a server on 127.0.0.1:0 in a temp dir; dies on failure.
  explicit TestServer(server::Options options = {});
  ~TestServer();

  server::Server& server() { return *server_; }
  const std::string& data_dir() const { return dir_.path(); }
  const std::string& admin_token() const { return admin_token_; }
  std::shared_ptr<grpc::Channel> Channel(Transport transport);
  Client NewClient(Transport transport, const std::string& token);
  void Stop();
  // Stops, then starts a new server on the same data directory.
  void Restart();

 private:
  void Start();

  TempDir dir_;
  server::Options options_;
  std::unique_ptr<server::Server> server_;
  std::string admin_token_;
};

// As `admin`, creates a school (from SampleSchool(uai)) or a company (from
// SampleCompany(siret)), issues it a token, and returns a client carrying
// that token; the created record goes to `*created`. Test failures on error.
Client CreateSchoolClient(TestServer& server, Transport transport,
                          const Client& admin, const std::string& uai,
                          v1::School* created);
Client CreateCompanyClient(TestServer& server, Transport transport,
                           const Client& admin, const std::string& siret,
                           v1::Company* created);

// Fills a valid company / school / graduate / offer, from the real
// referentials (Lille, Roubaix, ROME H2903, a real CAP).
v1::Company SampleCompany(const std::string& siret = "73282932000074");
v1::School SampleSchool(const std::string& uai = "0596781A");
v1::Graduate SampleGraduate(const std::string& external_id = "");
v1::Offer SampleOffer(const std::string& external_id = "");

// The candidate id the offer's company sees for `graduate_id` on
// `offer_id` (what RankGraduates shows it), made with `server`'s key: for
// tests that send a proposal to a graduate the ranking would not show.
std::string CandidateId(const TestServer& server, const std::string& offer_id,
                        const std::string& graduate_id);

// A SIRET with a valid Luhn checksum made from `n`.
std::string MakeSiret(int n);
// A UAI with a valid check letter made from `n`.
std::string MakeUai(int n);

}  // namespace passerelle::testing
