// SignatureService: decode → submit → encode for chainaccel.v1.SignatureService.
#pragma once

#include "chainaccel/v1/signature.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

// Methods are raw (see server/batch_call.h): they parse the request themselves.
class SignatureServiceImpl final
    : public v1::SignatureService::WithRawCallbackMethod_Verify<
          v1::SignatureService::WithRawCallbackMethod_Recover<v1::SignatureService::Service>> {
 public:
  explicit SignatureServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* Verify(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Recover(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
