// MerkleService: decode → submit → encode for chainaccel.v1.MerkleService.
#pragma once

#include "chainaccel/v1/merkle.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class MerkleServiceImpl final : public v1::MerkleService::CallbackService {
 public:
  explicit MerkleServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* BuildTree(grpc::CallbackServerContext* context,
                                      const v1::BuildTreeRequest* request,
                                      v1::BuildTreeResponse* response) override;
  grpc::ServerUnaryReactor* VerifyProofs(grpc::CallbackServerContext* context,
                                         const v1::VerifyProofsRequest* request,
                                         v1::VerifyProofsResponse* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
