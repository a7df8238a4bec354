// "Did you mean ...?": the known word closest to a mistyped one, for commands, options and
// names a person types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sd {

// The candidate nearest to `typed` by edit distance (insertions, deletions, substitutions and
// swaps of two neighbours, without case), when it is near enough to be a slip: at most 2 edits
// and fewer than half of `typed`'s length. Ties go to the earlier candidate.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view typed,
                                                       const std::vector<std::string>& candidates);

}  // namespace sd
