#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::kube {

// What went wrong with one API call, decoded from the Status object the server sends with every error
// (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
enum class ApiErrorKind {
  Transport,             // no HTTP answer: connection refused or reset, TLS failure, timeout
  Decode,                // an answer that is not what the API promises (bad JSON, a broken watch line)
  BadRequest,            // 400
  Unauthorized,          // 401
  Forbidden,             // 403
  NotFound,              // 404
  MethodNotAllowed,      // 405
  AlreadyExists,         // 409, reason AlreadyExists
  Conflict,              // 409: a stale resourceVersion or failed precondition
  Gone,                  // 410: the resourceVersion or continue token is too old
  UnsupportedMediaType,  // 415
  Invalid,               // 422, with field causes
  TooManyRequests,       // 429, perhaps with Retry-After
  ServerError,           // 5xx
  Cancelled,             // the caller cancelled
};

const char* toString(ApiErrorKind kind);

struct StatusCause {
  std::string reason;  // FieldValueInvalid, FieldValueRequired, ...
  std::string message;
  std::string field;  // spec.rateLimit.burst
};

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::Transport;
  int httpStatus = 0;   // 0 without an HTTP answer
  std::string reason;   // the Status reason (NotFound, Expired, ...)
  std::string message;  // the Status message, or what failed
  std::vector<StatusCause> causes;
  std::optional<std::chrono::seconds> retryAfter;

  // "Invalid (422): ResiliencePolicy.bulwark.io "x" is invalid: ..." for logs and conditions.
  std::string str() const;
  // Reads may be retried on these: the server did not act or the request never got there.
  bool transient() const;
};

// Decodes an error answer; a body that is not a Status still yields the kind from the HTTP status.
ApiError decodeApiError(int httpStatus, const std::string& body,
                        std::optional<std::chrono::seconds> retryAfter);

}  // namespace bulwark::kube
