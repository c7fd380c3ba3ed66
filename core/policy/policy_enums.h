#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "core/policy/resilience_policy.h"

namespace bulwark::policy {

// The spelling of every enum value in the API, in one table per enum.
template <typename E>
struct EnumNames;

#define BULWARK_ENUM_NAMES(E, N, ...)                                                     \
  template <>                                                                             \
  struct EnumNames<E> {                                                                   \
    static constexpr std::array<std::pair<E, std::string_view>, N> values{{__VA_ARGS__}}; \
  };

BULWARK_ENUM_NAMES(Protocol, 2, {Protocol::Redis, "redis"}, {Protocol::Nats, "nats"})
BULWARK_ENUM_NAMES(SelectorOperator, 4, {SelectorOperator::In, "In"}, {SelectorOperator::NotIn, "NotIn"},
                   {SelectorOperator::Exists, "Exists"}, {SelectorOperator::DoesNotExist, "DoesNotExist"})
BULWARK_ENUM_NAMES(Priority, 3, {Priority::Critical, "critical"}, {Priority::Normal, "normal"},
                   {Priority::Sheddable, "sheddable"})
BULWARK_ENUM_NAMES(OnLimit, 2, {OnLimit::Reject, "reject"}, {OnLimit::Wait, "wait"})
BULWARK_ENUM_NAMES(RuleAction, 2, {RuleAction::Limit, "limit"}, {RuleAction::Deny, "deny"})
BULWARK_ENUM_NAMES(CommandClass, 6, {CommandClass::Read, "read"}, {CommandClass::Write, "write"},
                   {CommandClass::Admin, "admin"}, {CommandClass::Blocking, "blocking"},
                   {CommandClass::PubSub, "pubsub"}, {CommandClass::Transaction, "transaction"})
BULWARK_ENUM_NAMES(FailMode, 2, {FailMode::FastFail, "fastFail"}, {FailMode::StaleOrFail, "staleOrFail"})
BULWARK_ENUM_NAMES(PublishAction, 2, {PublishAction::Pace, "pace"}, {PublishAction::Shed, "shed"})
BULWARK_ENUM_NAMES(FsyncMode, 3, {FsyncMode::Always, "always"}, {FsyncMode::Batch, "batch"},
                   {FsyncMode::Never, "never"})
BULWARK_ENUM_NAMES(OverrideMode, 6, {OverrideMode::Auto, "Auto"}, {OverrideMode::Normal, "Normal"},
                   {OverrideMode::Tightened, "Tightened"}, {OverrideMode::Shed, "Shed"},
                   {OverrideMode::StaleOnly, "StaleOnly"}, {OverrideMode::Bypass, "Bypass"})
BULWARK_ENUM_NAMES(Mode, 6, {Mode::Normal, "Normal"}, {Mode::Tightened, "Tightened"}, {Mode::Shed, "Shed"},
                   {Mode::StaleOnly, "StaleOnly"}, {Mode::Bypass, "Bypass"}, {Mode::Invalid, "Invalid"})
BULWARK_ENUM_NAMES(ConditionStatus, 3, {ConditionStatus::True, "True"}, {ConditionStatus::False, "False"},
                   {ConditionStatus::Unknown, "Unknown"})

#undef BULWARK_ENUM_NAMES

template <typename E>
constexpr std::string_view toString(E value) {
  for (const auto& [v, name] : EnumNames<E>::values) {
    if (v == value) return name;
  }
  return "?";
}

template <typename E>
constexpr std::optional<E> enumFromString(std::string_view name) {
  for (const auto& [v, n] : EnumNames<E>::values) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace bulwark::policy
