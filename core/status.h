// Status: the one error currency below the server. [[nodiscard]]: a Status that is
// dropped without a look is a compile warning.
//
// Engines, the scheduler and the kernels' host wrappers return a Status; nothing throws
// across those boundaries. server/grpc_status.h is the single place that converts a
// Status into a grpc::Status.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainaccel {

class [[nodiscard]] Status {
 public:
  // The codes mirror the gRPC codes they map to.
  enum class Code {
    kOk = 0,
    kCancelled = 1,
    kInvalidArgument = 3,
    kDeadlineExceeded = 4,
    kNotFound = 5,
    kPermissionDenied = 7,
    kFailedPrecondition = 9,
    kResourceExhausted = 8,
    kUnimplemented = 12,
    kInternal = 13,
    kUnavailable = 14,
    kUnauthenticated = 16,
  };

  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message" (or "OK").
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Name of a code as gRPC spells it, e.g. "INVALID_ARGUMENT".
std::string_view StatusCodeName(Status::Code code);

// The first failure in `results` (parallel workers' statuses, in worker order), else OK.
Status FirstError(const std::vector<Status>& results);

}  // namespace chainaccel
