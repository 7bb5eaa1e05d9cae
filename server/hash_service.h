// HashService: decode → submit → encode for chainaccel.v1.HashService.
#pragma once

#include "chainaccel/v1/hash.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

// Methods are raw (see server/batch_call.h): they parse the request themselves.
class HashServiceImpl final
    : public v1::HashService::WithRawCallbackMethod_Hash<v1::HashService::Service> {
 public:
  explicit HashServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* Hash(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
