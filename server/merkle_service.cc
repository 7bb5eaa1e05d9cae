#include "server/merkle_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* MerkleServiceImpl::BuildTree(grpc::CallbackServerContext* context,
                                                       const v1::BuildTreeRequest* request,
                                                       v1::BuildTreeResponse* response) {
  return ServeBatch<MerkleBuildTask>(
      state_, context, "BuildTree", TaskType::kMerkleBuild, *request, response,
      request->placement(),
      [&](MerkleBuildTask& task, std::vector<ItemStatus>&) {
        return DecodeBuildTreeRequest(*request, state_.limits, &task);
      },
      [response](const MerkleBuildTask& task, const std::vector<ItemStatus>&,
                 const std::string& engine) {
        response->set_root(task.root.data(), task.root.size());
        response->set_leaf_count(task.leaves.size());
        response->set_proof_hashes(task.proof_hashes.data(), task.proof_hashes.size());
        response->mutable_proof_lengths()->Add(task.proof_lengths.begin(),
                                               task.proof_lengths.end());
        response->set_engine(engine);
      });
}

grpc::ServerUnaryReactor* MerkleServiceImpl::VerifyProofs(grpc::CallbackServerContext* context,
                                                          const v1::VerifyProofsRequest* request,
                                                          v1::VerifyProofsResponse* response) {
  return ServeBatch<MerkleVerifyTask>(
      state_, context, "VerifyProofs", TaskType::kMerkleVerify, *request, response,
      request->placement(),
      [&](MerkleVerifyTask& task, std::vector<ItemStatus>& statuses) {
        return DecodeVerifyProofsRequest(*request, state_.limits, &statuses, &task);
      },
      [response](const MerkleVerifyTask&, const std::vector<ItemStatus>& statuses,
                 const std::string& engine) {
        response->set_valid_count(EncodeItemStatuses(statuses, response->mutable_status()));
        response->set_engine(engine);
      });
}

}  // namespace chainaccel::server
