#pragma once

// MatchingService: RankOffers (a graduate's best offers), RankGraduates (an
// offer's best candidates, pseudonymous), ExplainMatch, GetIndexStatus.
// Each caller ranks only for its own graduates (school, partner) or offers
// (company); the federation for all. Ranking runs on a worker pool, never
// on gRPC's threads.

#include <string>

#include "passerelle/v1/matching.grpc.pb.h"
#include "services/matching/index.h"
#include "services/runtime/auth.h"
#include "services/runtime/thread_pool.h"

namespace passerelle::matching {

class Matching {
 public:
  using Clock = std::function<absl::CivilDay()>;
  // `pseudonym_key`: secret bytes keying the candidates' pseudonyms.
  Matching(MatchingIndex* index, std::string pseudonym_key, Clock today = nullptr);

  absl::StatusOr<v1::RankOffersResponse> RankOffers(
      const runtime::Caller& caller, const v1::RankOffersRequest& request);
  absl::StatusOr<v1::RankGraduatesResponse> RankGraduates(
      const runtime::Caller& caller, const v1::RankGraduatesRequest& request);
  absl::StatusOr<v1::ExplainMatchResponse> ExplainMatch(
      const runtime::Caller& caller, const v1::ExplainMatchRequest& request);
  absl::StatusOr<v1::IndexStatus> GetIndexStatus(const runtime::Caller& caller);

  // What a company may see of a graduate before acceptance.
  v1::Candidate MakeCandidate(const v1::Graduate& graduate, const v1::Offer& offer) const;

 private:
  absl::Status CheckGraduateAccess(const runtime::Caller& caller,
                                   absl::string_view graduate_id) const;

  MatchingIndex* index_;
  std::string pseudonym_key_;
  Clock today_;
};

class MatchingServiceImpl final : public v1::MatchingService::CallbackService {
 public:
  MatchingServiceImpl(Matching* matching, const runtime::Authenticator* authenticator,
                      runtime::ThreadPool* pool)
      : matching_(matching), authenticator_(authenticator), pool_(pool) {}

  grpc::ServerUnaryReactor* RankOffers(grpc::CallbackServerContext* context,
                                       const v1::RankOffersRequest* request,
                                       v1::RankOffersResponse* response) override;
  grpc::ServerUnaryReactor* RankGraduates(grpc::CallbackServerContext* context,
                                          const v1::RankGraduatesRequest* request,
                                          v1::RankGraduatesResponse* response) override;
  grpc::ServerUnaryReactor* ExplainMatch(grpc::CallbackServerContext* context,
                                         const v1::ExplainMatchRequest* request,
                                         v1::ExplainMatchResponse* response) override;
  grpc::ServerUnaryReactor* GetIndexStatus(grpc::CallbackServerContext* context,
                                           const v1::GetIndexStatusRequest* request,
                                           v1::IndexStatus* response) override;

 private:
  Matching* matching_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
};

}  // namespace passerelle::matching
