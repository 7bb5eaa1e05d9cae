// HashService: decode → submit → encode for chainaccel.v1.HashService.
#pragma once

#include "chainaccel/v1/hash.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class HashServiceImpl final : public v1::HashService::CallbackService {
 public:
  explicit HashServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* Hash(grpc::CallbackServerContext* context,
                                 const v1::HashRequest* request,
                                 v1::HashResponse* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
