#include "server/signature_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* SignatureServiceImpl::Verify(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return ServeBatch<v1::VerifyRequest, v1::VerifyResponse, SignatureVerifyTask>(
      state_, context, "Verify", TaskType::kSignatureVerify, request, response,
      [this](const v1::VerifyRequest& r, v1::VerifyResponse*, SignatureVerifyTask& task,
             std::vector<ItemStatus>& statuses) {
        return DecodeVerifyRequest(r, state_.limits, &statuses, &task);
      },
      [](const SignatureVerifyTask&, const std::vector<ItemStatus>& statuses,
         const std::string& engine, v1::VerifyResponse* out) {
        out->set_valid_count(EncodeItemStatuses(statuses, out->mutable_status()));
        out->set_engine(engine);
      });
}

grpc::ServerUnaryReactor* SignatureServiceImpl::Recover(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return ServeBatch<v1::RecoverRequest, v1::RecoverResponse, SignatureRecoverTask>(
      state_, context, "Recover", TaskType::kSignatureRecover, request, response,
      [this](const v1::RecoverRequest& r, v1::RecoverResponse* out, SignatureRecoverTask& task,
             std::vector<ItemStatus>& statuses, const SizeBytesField& size_bytes) {
        return DecodeRecoverRequest(r, state_.limits, out, &statuses, &task, size_bytes);
      },
      [](const SignatureRecoverTask&, const std::vector<ItemStatus>& statuses,
         const std::string& engine, v1::RecoverResponse* out) {
        out->set_recovered_count(EncodeItemStatuses(statuses, out->mutable_status()));
        out->set_engine(engine);
      });
}

}  // namespace chainaccel::server
