#pragma once

// ReferentialService (passerelle.v1): the communes and trades of the
// shipped referentials, for the forms' autocompletion. Every process of
// the multi-process layout can serve it: each loads the referentials.

#include "passerelle/v1/referential.grpc.pb.h"
#include "services/common/referential_search.h"
#include "services/runtime/auth.h"
#include "services/runtime/thread_pool.h"

namespace passerelle::referentials {

class ReferentialServiceImpl final
    : public v1::ReferentialService::CallbackService {
 public:
  // Every argument must outlive the service.
  ReferentialServiceImpl(const common::Referentials* refs,
                         const runtime::Authenticator* authenticator,
                         runtime::ThreadPool* pool);

  grpc::ServerUnaryReactor* SearchCommunes(
      grpc::CallbackServerContext* context,
      const v1::SearchCommunesRequest* request,
      v1::SearchCommunesResponse* response) override;
  grpc::ServerUnaryReactor* SearchTrades(
      grpc::CallbackServerContext* context,
      const v1::SearchTradesRequest* request,
      v1::SearchTradesResponse* response) override;

 private:
  const common::ReferentialSearch search_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
};

}  // namespace passerelle::referentials
