#include "server/merkle_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* MerkleServiceImpl::BuildTree(grpc::CallbackServerContext* context,
                                                       const v1::BuildTreeRequest* request,
                                                       v1::BuildTreeResponse* response) {
  auto* call = new BatchCall(state_, context, "BuildTree", TaskType::kMerkleBuild, *request,
                             response);
  Placement placement;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  auto& task = call->task().emplace<MerkleBuildTask>();
  if (s.ok()) s = DecodeBuildTreeRequest(*request, state_.limits, &task);
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [&task, response](const std::string& engine) {
    response->set_root(task.root.data(), task.root.size());
    response->set_leaf_count(task.leaves.size());
    response->set_proof_hashes(task.proof_hashes.data(), task.proof_hashes.size());
    response->mutable_proof_lengths()->Add(task.proof_lengths.begin(), task.proof_lengths.end());
    response->set_engine(engine);
  });
}

grpc::ServerUnaryReactor* MerkleServiceImpl::VerifyProofs(grpc::CallbackServerContext* context,
                                                          const v1::VerifyProofsRequest* request,
                                                          v1::VerifyProofsResponse* response) {
  auto* call = new BatchCall(state_, context, "VerifyProofs", TaskType::kMerkleVerify, *request,
                             response);
  Placement placement;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  if (s.ok()) {
    s = DecodeVerifyProofsRequest(*request, state_.limits, &call->item_statuses(),
                                  &call->task().emplace<MerkleVerifyTask>());
  }
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [call, response](const std::string& engine) {
    response->set_valid_count(EncodeItemStatuses(call->item_statuses(), response->mutable_status()));
    response->set_engine(engine);
  });
}

}  // namespace chainaccel::server
