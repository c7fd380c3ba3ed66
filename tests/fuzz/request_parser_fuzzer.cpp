// The request parser on arbitrary bytes: no crash, no leak, no UB, and the same commands however the
// input is chunked (whole, byte by byte, random pieces), each one agreeing with the reference parser
// on its bytes, its argument count, its captured arguments and on where the input turns bad. The first
// byte picks tighter limits so that every limit is reached often.

#include <cstdint>
#include <string_view>

#include "agent/redis/resp_request_parser.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/resp_reference.h"
#include "tests/unit/agent/redis/resp_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bulwark::redis;
  using bulwark::fuzz::require;
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  RequestLimits limits;
  static constexpr std::size_t kCaptured[] = {8, 2, 1, 0};
  limits.maxCapturedArgs = kCaptured[knobs & 3];
  if (knobs & 4) limits.maxHeaderBytes = 40;
  if (knobs & 8) limits.maxInlineLength = 16;
  if (knobs & 16) limits.maxBulkLength = 20;
  if (knobs & 32) limits.maxArguments = 4;

  const testing::RequestRecord whole = testing::runRequests(testing::whole(in), limits);
  require(whole.problem.empty(), whole.problem.c_str());
  require(testing::runRequests(testing::byteByByte(in), limits) == whole, "byte by byte differs from whole");
  require(testing::runRequests(testing::randomPieces(in, knobs, 1 + knobs % 13), limits) == whole,
          "random pieces differ from whole");

  const reference::Requests ref = reference::requests(in, limits);
  std::size_t complete = 0;
  for (const testing::RequestEvent& c : whole.commands) {
    if (c.frameBytes == 0) continue;  // the last command, cut short by the end of input or an error
    require(complete < ref.frames.size(), "more commands than the reference");
    const reference::Request& r = ref.frames[complete++];
    require(c.raw == in.substr(r.begin, r.end - r.begin), "frame bytes differ from the reference");
    require(c.argc == r.args.size(), "argc differs from the reference");
    require(c.isInline == r.isInline, "inline flag differs from the reference");
    const std::size_t captured = reference::expectedCaptured(r, limits);
    require(c.args.size() == captured, "captured count differs from the header rule");
    for (std::size_t i = 0; i < captured; ++i)
      require(c.args[i] == r.args[i], "captured argument differs");
  }
  require(complete == ref.frames.size(), "fewer commands than the reference");
  require((whole.error != RequestError::None) == (ref.outcome == reference::Outcome::Bad),
          "error differs from the reference");
  if (whole.error == RequestError::None) {
    require(whole.endsInFrame == (ref.outcome == reference::Outcome::Incomplete),
            "end-of-input state differs from the reference");
  } else {
    require(whole.errorReply.rfind("-ERR Protocol error: ", 0) == 0, "error reply format");
    require(whole.errorReply.find('\n') == whole.errorReply.size() - 1, "error reply is one line");
  }
  return 0;
}
