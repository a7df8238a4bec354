// PSRP fragments and message headers: split and put back together, and every way a stream can
// be broken (out of order, cut short, a length past the data, a message past the limit, a
// missing end) is an error that names the object, never a crash or a huge allocation.
#include "protocol/psrp/fragments.h"

#include <catch2/catch.hpp>

#include "protocol/psrp/messages.h"

using namespace sd::psrp;

namespace {

std::string fragments_error(const sd::Result<std::vector<std::string>>& result) {
  REQUIRE_FALSE(result.ok());
  return result.errors().front().message;
}

std::string frag(uint64_t object, uint64_t number, bool start, bool end, std::string blob) {
  return encode_fragment({object, number, start, end, std::move(blob)});
}

}  // namespace

TEST_CASE("psrp fragments: the header is big-endian, 21 bytes", "[psrp]") {
  const std::string bytes = frag(1, 2, true, false, "ab");
  REQUIRE(bytes.size() == 23);
  CHECK(bytes.substr(0, 8) == std::string("\0\0\0\0\0\0\0\1", 8));
  CHECK(bytes.substr(8, 8) == std::string("\0\0\0\0\0\0\0\2", 8));
  CHECK(bytes[16] == 1);
  CHECK(bytes.substr(17, 4) == std::string("\0\0\0\2", 4));
  CHECK(bytes.substr(21) == "ab");
}

TEST_CASE("psrp fragments: a message split to a size comes back whole", "[psrp]") {
  const std::string message(1000, 'x');
  const std::vector<Fragment> pieces = split_message(7, message, kFragmentHeaderSize + 300);
  REQUIRE(pieces.size() == 4);
  CHECK(pieces[0].start);
  CHECK_FALSE(pieces[0].end);
  CHECK(pieces[3].end);
  CHECK(pieces[3].blob.size() == 100);
  Reassembler reassembler;
  std::string all;
  for (const Fragment& piece : pieces) all += encode_fragment(piece);
  // Fed in two halves at a fragment boundary, as two Receives would bring them.
  const size_t half = 2 * (kFragmentHeaderSize + 300);
  auto first = reassembler.feed(std::string_view(all).substr(0, half));
  REQUIRE(first.ok());
  CHECK(first->empty());
  CHECK(reassembler.incomplete_object() == 7u);
  auto second = reassembler.feed(std::string_view(all).substr(half));
  REQUIRE(second.ok());
  CHECK(*second == std::vector<std::string>{message});
  CHECK_FALSE(reassembler.incomplete_object());
}

TEST_CASE("psrp fragments: an empty message is one fragment with both flags", "[psrp]") {
  const std::vector<Fragment> pieces = split_message(3, "", 100);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].start);
  CHECK(pieces[0].end);
  Reassembler reassembler;
  auto messages = reassembler.feed(encode_fragment(pieces[0]));
  REQUIRE(messages.ok());
  CHECK(*messages == std::vector<std::string>{""});
}

TEST_CASE("psrp fragments: broken streams are errors that say what", "[psrp]") {
  SECTION("out of order") {
    Reassembler reassembler;
    CHECK(fragments_error(
              reassembler.feed(frag(5, 0, true, false, "a") + frag(5, 2, false, true, "c"))) ==
          "PSRP: fragment 2 of object 5 is out of order: fragment 1 was expected");
    CHECK(fragments_error(reassembler.feed(frag(6, 0, true, true, "a"))) ==
          "PSRP: the stream broke earlier; nothing more is read from it");
  }
  SECTION("a first fragment without the start flag") {
    Reassembler reassembler;
    CHECK(fragments_error(reassembler.feed(frag(5, 0, false, true, "a"))) ==
          "PSRP: fragment 0 of object 5 is not the first of its object (no start flag)");
  }
  SECTION("another object before the first ended") {
    Reassembler reassembler;
    CHECK(fragments_error(
              reassembler.feed(frag(5, 0, true, false, "a") + frag(6, 0, true, true, "b"))) ==
          "PSRP: fragment 0 of object 6 came before object 5 was complete");
  }
  SECTION("a fragment claiming 2 GB") {
    std::string bytes = frag(5, 0, true, true, "abc");
    bytes[17] = '\x80';  // length 0x80000003
    Reassembler reassembler;
    CHECK(fragments_error(reassembler.feed(bytes)) ==
          "PSRP: fragment 0 of object 5 claims 2147483651 bytes but only 3 follow");
  }
  SECTION("a header cut short") {
    Reassembler reassembler;
    CHECK(fragments_error(reassembler.feed(frag(5, 0, true, true, "a").substr(0, 10))) ==
          "PSRP: a fragment header is cut short (10 of 21 bytes)");
  }
  SECTION("a message past the limit") {
    Reassembler reassembler(4);
    CHECK(fragments_error(
              reassembler.feed(frag(5, 0, true, false, "abc") + frag(5, 1, false, true, "de"))) ==
          "PSRP: object 5 is larger than the limit of 4 bytes");
  }
}

TEST_CASE("psrp messages: header little-endian, ids in .NET's Guid byte order", "[psrp]") {
  Message message;
  message.destination = Destination::Server;
  message.type = MessageType::CreatePipeline;
  message.runspace_pool_id = "04777930-1347-422B-AA4D-33BDC2570979";
  message.pipeline_id = "E888E1DF-C962-41D6-BEFD-F2C82D0ABCCA";
  message.data = "<S>x</S>";
  const std::string bytes = encode_message(message);
  CHECK(bytes.substr(0, 8) == std::string("\x02\0\0\0\x06\x10\x02\0", 8));
  CHECK(bytes.substr(8, 8) == std::string("\x30\x79\x77\x04\x47\x13\x2B\x42", 8));
  CHECK(bytes.substr(40, 3) == "\xEF\xBB\xBF");
  sd::Result<Message> back = decode_message(bytes);
  REQUIRE(back.ok());
  CHECK(*back == message);
  CHECK(message_type_name(0x00041006) == "PIPELINE_STATE");
  CHECK(message_type_name(0x00041234) == "0x00041234");
}

TEST_CASE("psrp messages: short or misdirected messages are errors", "[psrp]") {
  sd::Result<Message> short_one = decode_message(std::string(39, '\0'));
  REQUIRE_FALSE(short_one.ok());
  CHECK(short_one.errors().front().message ==
        "PSRP: a message of 39 bytes is shorter than its 40-byte header");
  sd::Result<Message> nowhere = decode_message(std::string(40, '\0'));
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.errors().front().message ==
        "PSRP: a message's destination is 0, neither 1 (client) nor 2 (server)");
}
