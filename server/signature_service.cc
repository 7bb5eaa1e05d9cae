#include "server/signature_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* SignatureServiceImpl::Verify(grpc::CallbackServerContext* context,
                                                       const v1::VerifyRequest* request,
                                                       v1::VerifyResponse* response) {
  return ServeBatch<SignatureVerifyTask>(
      state_, context, "Verify", TaskType::kSignatureVerify, *request, response,
      request->placement(),
      [&](SignatureVerifyTask& task, std::vector<ItemStatus>& statuses) {
        return DecodeVerifyRequest(*request, state_.limits, &statuses, &task);
      },
      [response](const SignatureVerifyTask&, const std::vector<ItemStatus>& statuses,
                 const std::string& engine) {
        response->set_valid_count(EncodeItemStatuses(statuses, response->mutable_status()));
        response->set_engine(engine);
      });
}

grpc::ServerUnaryReactor* SignatureServiceImpl::Recover(grpc::CallbackServerContext* context,
                                                        const v1::RecoverRequest* request,
                                                        v1::RecoverResponse* response) {
  return ServeBatch<SignatureRecoverTask>(
      state_, context, "Recover", TaskType::kSignatureRecover, *request, response,
      request->placement(),
      [&](SignatureRecoverTask& task, std::vector<ItemStatus>& statuses) {
        return DecodeRecoverRequest(*request, state_.limits, response, &statuses, &task);
      },
      [response](const SignatureRecoverTask&, const std::vector<ItemStatus>& statuses,
                 const std::string& engine) {
        response->set_recovered_count(
            EncodeItemStatuses(statuses, response->mutable_status()));
        response->set_engine(engine);
      });
}

}  // namespace chainaccel::server
