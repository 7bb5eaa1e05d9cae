// MerkleService: decode → submit → encode for chainaccel.v1.MerkleService.
#pragma once

#include "chainaccel/v1/merkle.grpc.pb.h"
#include "server/serving_state.h"

namespace chainaccel::server {

// Methods are raw (see server/batch_call.h): they parse the request themselves.
class MerkleServiceImpl final
    : public v1::MerkleService::WithRawCallbackMethod_BuildTree<
          v1::MerkleService::WithRawCallbackMethod_VerifyProofs<v1::MerkleService::Service>> {
 public:
  explicit MerkleServiceImpl(ServingState& state) : state_(state) {}

  grpc::ServerUnaryReactor* BuildTree(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyProofs(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

 private:
  ServingState& state_;
};

}  // namespace chainaccel::server
