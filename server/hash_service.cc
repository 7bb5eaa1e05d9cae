#include "server/hash_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* HashServiceImpl::Hash(grpc::CallbackServerContext* context,
                                                const v1::HashRequest* request,
                                                v1::HashResponse* response) {
  auto* call = new BatchCall(state_, context, "Hash", TaskType::kHash, *request, response);
  Placement placement;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  if (s.ok()) {
    s = DecodeHashRequest(*request, state_.limits, response,
                          &call->task().emplace<HashTask>());
  }
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [response](const std::string& engine) {
    response->set_engine(engine);
  });
}

}  // namespace chainaccel::server
