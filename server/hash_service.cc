#include "server/hash_service.h"

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

grpc::ServerUnaryReactor* HashServiceImpl::Hash(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  return ServeBatch<v1::HashRequest, v1::HashResponse, HashTask>(
      state_, context, "Hash", TaskType::kHash, request, response,
      [this](const v1::HashRequest& r, v1::HashResponse* out, HashTask& task,
             std::vector<ItemStatus>&, const SizeBytesField& size_bytes) {
        return DecodeHashRequest(r, state_.limits, out, &task, size_bytes);
      },
      [](const HashTask&, const std::vector<ItemStatus>&, const std::string& engine,
         v1::HashResponse* out) { out->set_engine(engine); });
}

}  // namespace chainaccel::server
