// The one place where an engine-layer Status becomes a grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "core/status.h"

namespace chainaccel::server {

grpc::Status ToGrpcStatus(const Status& status);

}  // namespace chainaccel::server
