#include "protocol/psrp/fragments.h"

#include <algorithm>

#include "protocol/psrp/byte_order.h"

namespace sd::psrp {

std::string encode_fragment(const Fragment& fragment) {
  std::string out;
  out.reserve(kFragmentHeaderSize + fragment.blob.size());
  put_big_endian(out, fragment.object_id, 8);
  put_big_endian(out, fragment.fragment_id, 8);
  out += static_cast<char>((fragment.start ? 1 : 0) | (fragment.end ? 2 : 0));
  put_big_endian(out, fragment.blob.size(), 4);
  out += fragment.blob;
  return out;
}

std::vector<Fragment> split_message(uint64_t object_id, std::string_view message,
                                    size_t max_fragment) {
  const size_t room = std::max<size_t>(max_fragment, kFragmentHeaderSize + 1) - kFragmentHeaderSize;
  std::vector<Fragment> fragments;
  size_t offset = 0;
  do {
    const size_t length = std::min(room, message.size() - offset);
    Fragment fragment;
    fragment.object_id = object_id;
    fragment.fragment_id = fragments.size();
    fragment.start = offset == 0;
    fragment.blob = std::string(message.substr(offset, length));
    offset += length;
    fragment.end = offset == message.size();
    fragments.push_back(std::move(fragment));
  } while (offset < message.size());
  return fragments;
}

Result<std::vector<std::string>> Reassembler::feed(std::string_view bytes) {
  if (broken_) return make_error("PSRP: the stream broke earlier; nothing more is read from it");
  std::vector<std::string> done;
  auto fail = [this](std::string message) {
    broken_ = true;
    return make_error("PSRP: " + std::move(message));
  };
  while (!bytes.empty()) {
    if (bytes.size() < kFragmentHeaderSize)
      return fail("a fragment header is cut short (" + std::to_string(bytes.size()) + " of " +
                  std::to_string(kFragmentHeaderSize) + " bytes)");
    const uint64_t object = read_big_endian(bytes.substr(0, 8));
    const uint64_t number = read_big_endian(bytes.substr(8, 8));
    const auto flags = static_cast<unsigned char>(bytes[16]);
    const uint64_t length = read_big_endian(bytes.substr(17, 4));
    const std::string which =
        "fragment " + std::to_string(number) + " of object " + std::to_string(object);
    if (length > bytes.size() - kFragmentHeaderSize)
      return fail(which + " claims " + std::to_string(length) + " bytes but only " +
                  std::to_string(bytes.size() - kFragmentHeaderSize) + " follow");
    const bool start = flags & 1, end = flags & 2;
    if (object_ && *object_ != object)
      return fail(which + " came before object " + std::to_string(*object_) + " was complete");
    if (!object_ && (!start || number != 0))
      return fail(which + " is not the first of its object (" +
                  (start ? "its number is not 0" : "no start flag") + ")");
    if (object_ && (start || number != next_fragment_))
      return fail(which + " is out of order: fragment " + std::to_string(next_fragment_) +
                  " was expected");
    if (partial_.size() + length > max_message_)
      return fail("object " + std::to_string(object) + " is larger than the limit of " +
                  std::to_string(max_message_) + " bytes");
    partial_.append(bytes.substr(kFragmentHeaderSize, length));
    bytes.remove_prefix(kFragmentHeaderSize + length);
    if (end) {
      done.push_back(std::move(partial_));
      partial_.clear();
      object_.reset();
      next_fragment_ = 0;
    } else {
      object_ = object;
      next_fragment_ = number + 1;
    }
  }
  return done;
}

std::optional<uint64_t> Reassembler::incomplete_object() const {
  return object_;
}

}  // namespace sd::psrp
