#include "operator/kube/api_error.h"

#include <gtest/gtest.h>

namespace bulwark::kube {
namespace {

TEST(ApiError, DecodesInvalidWithCauses) {
  std::string body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,
    "message":"ResiliencePolicy.bulwark.io \"x\" is invalid: spec.rateLimit.burst: Invalid value: 0",
    "details":{"name":"x","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: 0","field":"spec.rateLimit.burst"}]}})";
  ApiError e = decodeApiError(422, body, std::nullopt);
  EXPECT_EQ(e.kind, ApiErrorKind::Invalid);
  EXPECT_EQ(e.reason, "Invalid");
  ASSERT_EQ(e.causes.size(), 1u);
  EXPECT_EQ(e.causes[0].field, "spec.rateLimit.burst");
  EXPECT_EQ(e.causes[0].reason, "FieldValueInvalid");
  EXPECT_FALSE(e.transient());
}

TEST(ApiError, TellsAlreadyExistsFromConflict) {
  EXPECT_EQ(
      decodeApiError(409, R"({"kind":"Status","reason":"AlreadyExists","message":"x"})", std::nullopt).kind,
      ApiErrorKind::AlreadyExists);
  EXPECT_EQ(decodeApiError(409, R"({"kind":"Status","reason":"Conflict","message":"x"})", std::nullopt).kind,
            ApiErrorKind::Conflict);
}

TEST(ApiError, KindsFromStatusCodes) {
  EXPECT_EQ(decodeApiError(404, "", std::nullopt).kind, ApiErrorKind::NotFound);
  EXPECT_EQ(decodeApiError(410, "", std::nullopt).kind, ApiErrorKind::Gone);
  EXPECT_EQ(decodeApiError(401, "", std::nullopt).kind, ApiErrorKind::Unauthorized);
  EXPECT_EQ(decodeApiError(503, "<html>busy</html>", std::nullopt).kind, ApiErrorKind::ServerError);
  EXPECT_EQ(decodeApiError(503, "<html>busy</html>", std::nullopt).message, "<html>busy</html>");
  ApiError limited = decodeApiError(429, "", std::chrono::seconds(3));
  EXPECT_EQ(limited.kind, ApiErrorKind::TooManyRequests);
  EXPECT_EQ(limited.retryAfter, std::chrono::seconds(3));
  EXPECT_TRUE(limited.transient());
  EXPECT_EQ(limited.str(), "TooManyRequests (429): HTTP 429");
}

}  // namespace
}  // namespace bulwark::kube
