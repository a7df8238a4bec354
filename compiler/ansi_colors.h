// The terminal colors of the text renderers (plan and drift), used only when TextStyle::color.
#pragma once

#include <string_view>

namespace sd::ansi {

inline constexpr std::string_view kReset = "\x1b[0m";
inline constexpr std::string_view kBold = "\x1b[1m";
inline constexpr std::string_view kRed = "\x1b[31m";
inline constexpr std::string_view kGreen = "\x1b[32m";
inline constexpr std::string_view kYellow = "\x1b[33m";
inline constexpr std::string_view kMagenta = "\x1b[35m";

}  // namespace sd::ansi
