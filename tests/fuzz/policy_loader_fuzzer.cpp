// The standalone policy loader on arbitrary text: whatever a policy file holds, loading it reports
// errors and never crashes, leaks, throws or hits undefined behaviour. Valid policies are also
// summarized and encoded, as the agent does with them.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "core/policy/policy_encoder.h"
#include "core/policy/policy_loader.h"
#include "core/policy/policy_summary.h"
#include "core/policy/yaml_documents.h"

namespace {

// KNOWN BUG, skipped here so that fuzzing goes on finding others: yaml-cpp 0.7 (Debian 12) loops
// forever, allocating, in YAML::LoadAll when a document starts with a token its parser does not
// consume, e.g. a stray ',' (jbeder/yaml-cpp#1040, fixed upstream by #1319). core/policy's
// readYamlDocuments calls LoadAll, so such a policy file hangs the loader. The loop shows as the parser
// reporting more documents than the text has bytes; remove this once core guards against it.
bool hitsLoadAllLoop(std::string_view text) {
  struct Ignore : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } ignore;
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  try {
    for (std::size_t documents = 0; documents <= text.size() + 1; ++documents) {
      if (!parser.HandleNextDocument(ignore)) return false;
    }
  } catch (const YAML::Exception&) {
    return false;
  }
  return true;
}

// KNOWN BUG, skipped likewise: core/policy/timestamp.cpp's parseTimestamp converts a valid RFC 3339
// time outside what int64 nanoseconds hold (before 1677-09-21 or after 2262-04-11, e.g. an override's
// expires: "4060-01-01T00:00:00Z") with a signed overflow: undefined behaviour, in practice a time
// in the wrong century. Skipped when any string of the decoded documents is such a time.
bool hasTimestampBeyondInt64Nanos(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    auto digit = [&](std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
    if (s.size() >= 11 && digit(0) && digit(1) && digit(2) && digit(3) && s[4] == '-' &&
        (s[10] == 'T' || s[10] == 't')) {
      const int year = std::stoi(s.substr(0, 4));
      return year < 1678 || year > 2261;
    }
    return false;
  }
  if (v.is_structured()) {
    for (const auto& child : v) {
      if (hasTimestampBeyondInt64Nanos(child)) return true;
    }
  }
  return false;
}

bool hitsKnownBug(std::string_view text) {
  if (hitsLoadAllLoop(text)) return true;
  for (const bulwark::policy::YamlDocument& doc : bulwark::policy::readYamlDocuments(text)) {
    if (hasTimestampBeyondInt64Nanos(doc.value)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (hitsKnownBug(text)) return 0;
  for (const bulwark::policy::PolicyDocument& doc : bulwark::policy::loadPolicyText(text, "fuzz.yaml")) {
    (void)doc.describeErrors();
    if (doc.valid()) {
      (void)bulwark::policy::describePolicy(doc.checked.policy);
      (void)bulwark::policy::encodePolicy(doc.checked.policy).dump();
    }
  }
  return 0;
}
