#include "server/merkle_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* MerkleServiceImpl::BuildTree(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return ServeBatch<v1::BuildTreeRequest, v1::BuildTreeResponse, MerkleBuildTask>(
      state_, context, "BuildTree", TaskType::kMerkleBuild, request, response,
      [this](const v1::BuildTreeRequest& r, v1::BuildTreeResponse*, MerkleBuildTask& task,
             std::vector<ItemStatus>&) { return DecodeBuildTreeRequest(r, state_.limits, &task); },
      [](const MerkleBuildTask& task, const std::vector<ItemStatus>&, const std::string& engine,
         v1::BuildTreeResponse* out) {
        out->set_root(task.root.data(), task.root.size());
        out->set_leaf_count(task.leaves.size());
        out->set_proof_hashes(task.proof_hashes.data(), task.proof_hashes.size());
        out->mutable_proof_lengths()->Add(task.proof_lengths.begin(), task.proof_lengths.end());
        out->set_engine(engine);
      });
}

grpc::ServerUnaryReactor* MerkleServiceImpl::VerifyProofs(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return ServeBatch<v1::VerifyProofsRequest, v1::VerifyProofsResponse, MerkleVerifyTask>(
      state_, context, "VerifyProofs", TaskType::kMerkleVerify, request, response,
      [this](const v1::VerifyProofsRequest& r, v1::VerifyProofsResponse*, MerkleVerifyTask& task,
             std::vector<ItemStatus>& statuses) {
        return DecodeVerifyProofsRequest(r, state_.limits, &statuses, &task);
      },
      [](const MerkleVerifyTask&, const std::vector<ItemStatus>& statuses,
         const std::string& engine, v1::VerifyProofsResponse* out) {
        out->set_valid_count(EncodeItemStatuses(statuses, out->mutable_status()));
        out->set_engine(engine);
      });
}

}  // namespace chainaccel::server
