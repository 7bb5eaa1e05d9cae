#include "server/signature_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* SignatureServiceImpl::Verify(grpc::CallbackServerContext* context,
                                                       const v1::VerifyRequest* request,
                                                       v1::VerifyResponse* response) {
  auto* call = new BatchCall(state_, context, "Verify", TaskType::kSignatureVerify, *request,
                             response);
  Placement placement;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  if (s.ok()) {
    s = DecodeVerifyRequest(*request, state_.limits, &call->item_statuses(),
                            &call->task().emplace<SignatureVerifyTask>());
  }
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [call, response](const std::string& engine) {
    response->set_valid_count(EncodeItemStatuses(call->item_statuses(), response->mutable_status()));
    response->set_engine(engine);
  });
}

grpc::ServerUnaryReactor* SignatureServiceImpl::Recover(grpc::CallbackServerContext* context,
                                                        const v1::RecoverRequest* request,
                                                        v1::RecoverResponse* response) {
  auto* call = new BatchCall(state_, context, "Recover", TaskType::kSignatureRecover, *request,
                             response);
  Placement placement;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  if (s.ok()) {
    s = DecodeRecoverRequest(*request, state_.limits, response, &call->item_statuses(),
                             &call->task().emplace<SignatureRecoverTask>());
  }
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [call, response](const std::string& engine) {
    response->set_recovered_count(
        EncodeItemStatuses(call->item_statuses(), response->mutable_status()));
    response->set_engine(engine);
  });
}

}  // namespace chainaccel::server
