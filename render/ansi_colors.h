// The terminal colors of the text renderers (plan and drift), used only when TextStyle::color,
// and the mark of each kind of action, so that + ~ - ? ! read the same in both.
#pragma once

#include <string_view>

#include "plan/plan.h"

namespace sd::ansi {

inline constexpr std::string_view kReset = "\x1b[0m";
inline constexpr std::string_view kBold = "\x1b[1m";
inline constexpr std::string_view kRed = "\x1b[31m";
inline constexpr std::string_view kGreen = "\x1b[32m";
inline constexpr std::string_view kYellow = "\x1b[33m";
inline constexpr std::string_view kMagenta = "\x1b[35m";

struct ActionMark {
  char symbol;
  std::string_view color;  // empty: none
};

constexpr ActionMark action_mark(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return {'+', kGreen};
    case ActionKind::Update:
      return {'~', kYellow};
    case ActionKind::Disable:
      return {'-', kRed};
    case ActionKind::Remove:
      return {'x', kRed};
    case ActionKind::NoOp:
      return {' ', {}};
    case ActionKind::Unknown:
      return {'?', kMagenta};
    case ActionKind::Blocked:
      return {'!', kRed};
  }
  return {'?', kMagenta};
}

}  // namespace sd::ansi
