// SignatureService: decode → submit → encode for chainaccel.v1.SignatureService.
#pragma once

#include "chainaccel/v1/signature.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class SignatureServiceImpl final : public v1::SignatureService::CallbackService {
 public:
  explicit SignatureServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* Verify(grpc::CallbackServerContext* context,
                                   const v1::VerifyRequest* request,
                                   v1::VerifyResponse* response) override;
  grpc::ServerUnaryReactor* Recover(grpc::CallbackServerContext* context,
                                    const v1::RecoverRequest* request,
                                    v1::RecoverResponse* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
