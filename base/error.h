// The one error type of syncdeploy: a message, where it happened, and which part of the spec or
// which resource it is about. Every failure that reaches a user is an Error; nothing throws
// across a module boundary.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sd {

// A place in a source file. line and column are 1-based; line 0 means "the file as a whole".
struct Location {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;

  friend bool operator==(const Location&, const Location&) = default;
};

struct Error {
  std::string message;
  Location where;
  // The JSON path in the spec (`exchange.servers[0].name`), a resource address
  // (`nexj.target/EXCH01`) or empty.
  std::string subject;

  // `file:line:col: error: message (subject)`; parts that are unknown are left out.
  // Control characters, C1 and bidi overrides anywhere in it are escaped.
  [[nodiscard]] std::string format() const;

  friend bool operator==(const Error&, const Error&) = default;

 private:
  std::string format_raw() const;
};

[[nodiscard]] Error make_error(std::string message, Location where = {}, std::string subject = {});

// Sorts by file, line, column, then message, and drops exact duplicates.
void sort_and_dedupe(std::vector<Error>& errors);

// One line per error, each ending in '\n'.
[[nodiscard]] std::string format_all(const std::vector<Error>& errors);

// A value, or the non-empty list of errors that prevented it.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::vector<Error>{std::move(error)}) {}
  Result(std::vector<Error> errors) : state_(std::move(errors)) {}

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::vector<Error>& errors() const { return std::get<1>(state_); }
  std::vector<Error>&& take_errors() { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, std::vector<Error>> state_;
};

// For operations that produce nothing but may fail.
struct Done {};
using Status = Result<Done>;
inline Status ok_status() {
  return Done{};
}

}  // namespace sd
