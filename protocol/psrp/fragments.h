// PSRP fragments (MS-PSRP 2.2.4): how one message travels in pieces inside WS-Management
// streams. Each fragment: ObjectId u64, FragmentId u64, flags (1 start, 2 end), BlobLength u32,
// all big-endian, then the blob. A message is split to fit the envelope size and put back
// together on the other side; what cannot be put together (out of order, a length past the
// data, a message larger than the limit) is an error that says which object and why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd::psrp {

inline constexpr size_t kFragmentHeaderSize = 21;

struct Fragment {
  uint64_t object_id = 0, fragment_id = 0;
  bool start = false, end = false;
  std::string blob;
  friend bool operator==(const Fragment&, const Fragment&) = default;
};

[[nodiscard]] std::string encode_fragment(const Fragment& fragment);

// `message` as fragments of at most `max_fragment` bytes each, header included (at least
// kFragmentHeaderSize + 1); an empty message is one fragment with an empty blob.
[[nodiscard]] std::vector<Fragment> split_message(uint64_t object_id, std::string_view message,
                                                  size_t max_fragment);

// Puts the messages of one stream back together. Fragments of one object must come in order
// (0, 1, 2, ...), the first marked start, and one object at a time, as Windows sends them.
class Reassembler {
 public:
  // The largest message accepted; a fragment that would make one larger is an error (a server
  // must not make the client hold gigabytes it announced in a header).
  explicit Reassembler(size_t max_message = 64u << 20) : max_message_(max_message) {}

  // `bytes` is one or more whole fragments (a stream's decoded text). Returns the messages they
  // complete, in order. After an error the reassembler is unusable: the stream is broken.
  [[nodiscard]] Result<std::vector<std::string>> feed(std::string_view bytes);

  // The object whose end fragment has not come yet, or nullopt: at the end of a pipeline,
  // a message still open is an error ("object 7 ended without its end fragment").
  [[nodiscard]] std::optional<uint64_t> incomplete_object() const;

 private:
  size_t max_message_;
  std::optional<uint64_t> object_;  // the message being put together
  uint64_t next_fragment_ = 0;
  std::string partial_;
  bool broken_ = false;
};

}  // namespace sd::psrp
