#include "operator/kube/api_error.h"

#include <nlohmann/json.hpp>

namespace bulwark::kube {

const char* toString(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::Transport:
      return "Transport";
    case ApiErrorKind::Decode:
      return "Decode";
    case ApiErrorKind::BadRequest:
      return "BadRequest";
    case ApiErrorKind::Unauthorized:
      return "Unauthorized";
    case ApiErrorKind::Forbidden:
      return "Forbidden";
    case ApiErrorKind::NotFound:
      return "NotFound";
    case ApiErrorKind::MethodNotAllowed:
      return "MethodNotAllowed";
    case ApiErrorKind::AlreadyExists:
      return "AlreadyExists";
    case ApiErrorKind::Conflict:
      return "Conflict";
    case ApiErrorKind::Gone:
      return "Gone";
    case ApiErrorKind::UnsupportedMediaType:
      return "UnsupportedMediaType";
    case ApiErrorKind::Invalid:
      return "Invalid";
    case ApiErrorKind::TooManyRequests:
      return "TooManyRequests";
    case ApiErrorKind::ServerError:
      return "ServerError";
    case ApiErrorKind::Cancelled:
      return "Cancelled";
  }
  return "Unknown";
}

std::string ApiError::str() const {
  std::string out = toString(kind);
  if (httpStatus != 0) out += " (" + std::to_string(httpStatus) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

bool ApiError::transient() const {
  return kind == ApiErrorKind::Transport || kind == ApiErrorKind::TooManyRequests ||
         kind == ApiErrorKind::ServerError;
}

ApiError decodeApiError(int httpStatus, const std::string& body,
                        std::optional<std::chrono::seconds> retryAfter) {
  ApiError e;
  e.httpStatus = httpStatus;
  e.retryAfter = retryAfter;
  auto status = nlohmann::json::parse(body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    e.reason = status.value("reason", "");
    e.message = status.value("message", "");
    if (status.contains("details") && status["details"].is_object() && status["details"].contains("causes")) {
      for (const auto& c : status["details"]["causes"]) {
        if (!c.is_object()) continue;
        e.causes.push_back({c.value("reason", ""), c.value("message", ""), c.value("field", "")});
      }
    }
  } else {
    e.message = body.substr(0, 512);
  }
  switch (httpStatus) {
    case 400:
      e.kind = ApiErrorKind::BadRequest;
      break;
    case 401:
      e.kind = ApiErrorKind::Unauthorized;
      break;
    case 403:
      e.kind = ApiErrorKind::Forbidden;
      break;
    case 404:
      e.kind = ApiErrorKind::NotFound;
      break;
    case 405:
      e.kind = ApiErrorKind::MethodNotAllowed;
      break;
    case 409:
      e.kind = e.reason == "AlreadyExists" ? ApiErrorKind::AlreadyExists : ApiErrorKind::Conflict;
      break;
    case 410:
      e.kind = ApiErrorKind::Gone;
      break;
    case 415:
      e.kind = ApiErrorKind::UnsupportedMediaType;
      break;
    case 422:
      e.kind = ApiErrorKind::Invalid;
      break;
    case 429:
      e.kind = ApiErrorKind::TooManyRequests;
      break;
    default:
      e.kind = httpStatus >= 500 ? ApiErrorKind::ServerError : ApiErrorKind::Decode;
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(httpStatus);
  return e;
}

}  // namespace bulwark::kube
