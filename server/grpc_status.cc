#include "server/grpc_status.h"

namespace chainaccel::server {

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // Status::Code values are the gRPC code numbers (core/status.h).
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

}  // namespace chainaccel::server
