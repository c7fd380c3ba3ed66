// The reply scanner on arbitrary bytes: no crash, no leak, no UB, and the same replies however the
// input is chunked, each one agreeing with the reference reader on its bytes and type and on where the
// input turns bad. The first byte picks tighter limits.

#include <cstdint>
#include <string_view>

#include "agent/redis/resp_reply_parser.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/resp_reference.h"
#include "tests/unit/agent/redis/resp_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bulwark::redis;
  using bulwark::fuzz::require;
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  ReplyLimits limits;
  if (knobs & 1) limits.maxDepth = 2;
  if (knobs & 2) limits.maxAggregateLength = 3;
  if (knobs & 4) limits.maxBulkLength = 10;
  if (knobs & 8) limits.maxLineLength = 8;
  if (knobs & 16) {
    limits.maxCapturedElements = 1;
    limits.maxCapturedLength = 2;
  }
  if (knobs & 32) limits.maxCapturedElements = 0;

  const testing::ReplyRecord whole = testing::runReplies(testing::whole(in), limits);
  require(whole.problem.empty(), whole.problem.c_str());
  require(testing::runReplies(testing::byteByByte(in), limits) == whole, "byte by byte differs from whole");
  require(testing::runReplies(testing::randomPieces(in, knobs, 1 + knobs % 11), limits) == whole,
          "random pieces differ from whole");

  const reference::Replies ref = reference::replies(in, limits);
  require(whole.replies.size() == ref.frames.size(), "reply count differs from the reference");
  for (std::size_t i = 0; i < ref.frames.size(); ++i) {
    const testing::ReplyEvent& e = whole.replies[i];
    const reference::Reply& r = ref.frames[i];
    require(e.raw == in.substr(r.begin, r.end - r.begin), "reply bytes differ from the reference");
    require(static_cast<char>(e.type) == r.type, "reply type differs from the reference");
    require(e.isError == (r.type == '-' || r.type == '!'), "error flag");
    require(e.isPush == (r.type == '>'), "push flag");
    require(e.content.size() <= limits.maxCapturedLength, "captured more than maxCapturedLength");
    require(e.elements.size() <= limits.maxCapturedElements, "captured more elements than allowed");
  }
  require((whole.error != ReplyError::None) == (ref.outcome == reference::Outcome::Bad),
          "error differs from the reference");
  if (whole.error == ReplyError::None) {
    require(whole.endsInFrame == (ref.outcome == reference::Outcome::Incomplete),
            "end-of-input state differs from the reference");
  }
  return 0;
}
