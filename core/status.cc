#include "core/status.h"

namespace chainaccel {

std::string_view StatusCodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kCancelled: return "CANCELLED";
    case Status::Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Status::Code::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case Status::Code::kNotFound: return "NOT_FOUND";
    case Status::Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Status::Code::kFailedPrecondition: return "FAILED_PRECONDITION";
    case Status::Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Status::Code::kUnimplemented: return "UNIMPLEMENTED";
    case Status::Code::kInternal: return "INTERNAL";
    case Status::Code::kUnavailable: return "UNAVAILABLE";
    case Status::Code::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

Status FirstError(const std::vector<Status>& results) {
  for (const Status& r : results) {
    if (!r.ok()) return r;
  }
  return Status::Ok();
}

}  // namespace chainaccel
