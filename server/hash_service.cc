#include "server/hash_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* HashServiceImpl::Hash(grpc::CallbackServerContext* context,
                                                const v1::HashRequest* request,
                                                v1::HashResponse* response) {
  return ServeBatch<HashTask>(
      state_, context, "Hash", TaskType::kHash, *request, response, request->placement(),
      [&](HashTask& task, std::vector<ItemStatus>&) {
        return DecodeHashRequest(*request, state_.limits, response, &task);
      },
      [response](const HashTask&, const std::vector<ItemStatus>&, const std::string& engine) {
        response->set_engine(engine);
      });
}

}  // namespace chainaccel::server
