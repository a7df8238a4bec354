#include "protocol/wsman_encryption.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "base/text_checks.h"

namespace sd::wsman {
namespace {

constexpr std::string_view kBoundary = "Encrypted Boundary";
constexpr std::string_view kOctetStream = "Content-Type: application/octet-stream\r\n";

// The value of parameter `name` of a Content-Type ("boundary=\"Encrypted Boundary\""), unquoted.
std::optional<std::string_view> parameter(std::string_view content_type, std::string_view name) {
  size_t start = content_type.find(';');
  while (start != std::string_view::npos) {
    size_t end = content_type.find(';', start + 1);
    std::string_view item = trim_space(content_type.substr(start + 1, end - start - 1));
    start = end;
    size_t equals = item.find('=');
    if (equals == std::string_view::npos || !iequals(trim_space(item.substr(0, equals)), name))
      continue;
    std::string_view value = trim_space(item.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string_view media_type(std::string_view content_type) {
  return trim_space(content_type.substr(0, content_type.find(';')));
}

std::string part_name(size_t index) {
  return "part " + std::to_string(index + 1);
}

// "Length=1234" of the OriginalContent line ("type=...;charset=UTF-8;Length=1234").
std::optional<size_t> original_length(std::string_view section) {
  constexpr std::string_view kName = "OriginalContent:";
  for (size_t at = 0; at < section.size();) {
    size_t line_end = std::min(section.find("\r\n", at), section.size());
    std::string_view line = trim_space(section.substr(at, line_end - at));
    at = line_end + 2;
    if (line.size() <= kName.size() || !iequals(line.substr(0, kName.size()), kName)) continue;
    const std::string parameters = ";" + std::string(line.substr(kName.size()));
    std::optional<std::string_view> digits = parameter(parameters, "Length");
    size_t value = 0;
    if (!digits || digits->empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), value);
    if (ec != std::errc() || end != digits->data() + digits->size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace

bool is_encrypted_content_type(std::string_view content_type) {
  std::string_view type = media_type(content_type);
  if (!iequals(type, "multipart/encrypted") && !iequals(type, "multipart/x-multi-encrypted"))
    return false;
  std::optional<std::string_view> protocol = parameter(content_type, "protocol");
  return protocol && iequals(*protocol, kSpnegoEncrypted);
}

std::string encrypted_content_type(size_t parts) {
  return std::string(parts > 1 ? "multipart/x-multi-encrypted" : "multipart/encrypted") +
         ";protocol=\"" + std::string(kSpnegoEncrypted) + "\";boundary=\"" +
         std::string(kBoundary) + "\"";
}

std::string encrypted_body(const std::vector<SealedPart>& parts, std::string_view original_type) {
  const std::string delimiter = "--" + std::string(kBoundary) + "\r\n";
  std::string out;
  size_t size = 32;
  for (const SealedPart& part : parts) size += 256 + part.header.size() + part.data.size();
  out.reserve(size);
  for (const SealedPart& part : parts) {
    out += delimiter;
    out.append("\tContent-Type: ").append(kSpnegoEncrypted).append("\r\n");
    out.append("\tOriginalContent: type=").append(original_type).append(";Length=");
    out.append(std::to_string(part.plain_length)).append("\r\n");
    out += delimiter;
    out.append("\t").append(kOctetStream);
    const auto length = static_cast<uint32_t>(part.header.size());
    for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((length >> shift) & 0xff);
    out += part.header;
    out += part.data;
  }
  out.append("--").append(kBoundary).append("--\r\n");
  return out;
}

Result<std::vector<SealedPart>> parse_encrypted_body(std::string_view content_type,
                                                     std::string_view body,
                                                     size_t max_plain_bytes) {
  if (!is_encrypted_content_type(content_type))
    return make_error("the Content-Type is not multipart/encrypted with protocol=\"" +
                      std::string(kSpnegoEncrypted) + "\" but " + quoted(content_type));
  const std::string boundary =
      "--" + std::string(parameter(content_type, "boundary").value_or(kBoundary));
  const std::string delimiter = boundary + "\r\n";
  std::vector<SealedPart> parts;
  size_t plain_total = 0;
  size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter)
    return make_error("the body does not start with the boundary \"" + boundary.substr(2) + "\"");
  pos = delimiter.size();
  for (;;) {
    const std::string name = part_name(parts.size());
    // The first section: the protocol and OriginalContent, up to the next delimiter.
    size_t section_end = body.find(delimiter, pos);
    if (section_end == std::string_view::npos || section_end - pos > 4096)
      return make_error(name + ": no boundary after its OriginalContent");
    std::optional<size_t> length = original_length(body.substr(pos, section_end - pos));
    if (!length) return make_error(name + ": no OriginalContent Length");
    if (*length > max_plain_bytes || plain_total + *length > max_plain_bytes)
      return make_error(name + ": the plain text would be larger than " +
                        std::to_string(max_plain_bytes) + " bytes");
    plain_total += *length;
    pos = section_end + delimiter.size();
    // The second section: octet-stream, the signature's length, the signature, the data.
    while (pos < body.size() && (body[pos] == '\t' || body[pos] == ' ')) ++pos;
    if (body.substr(pos, kOctetStream.size()) != kOctetStream)
      return make_error(name + ": no \"Content-Type: application/octet-stream\" before its data");
    pos += kOctetStream.size();
    if (body.size() - pos < 4) return make_error(name + ": the body ends in its signature length");
    uint32_t header_length = 0;
    for (int i = 0; i < 4; ++i)
      header_length |= static_cast<uint32_t>(static_cast<unsigned char>(body[pos + i])) << (8 * i);
    pos += 4;
    if (header_length > kMaxSealHeaderBytes)
      return make_error(name + ": the signature is " + std::to_string(header_length) +
                        " bytes (at most " + std::to_string(kMaxSealHeaderBytes) + ")");
    if (body.size() - pos < header_length)
      return make_error(name + ": the body ends in its signature");
    SealedPart part;
    part.header = std::string(body.substr(pos, header_length));
    part.plain_length = *length;
    pos += header_length;
    // The sealed data is at least as long as the plain text: the boundary that ends it is
    // looked for only after that, so that sealed bytes that happen to spell it do not end it.
    if (body.size() - pos < *length)
      return make_error(name + ": the body ends before its " + std::to_string(*length) +
                        " bytes of data");
    size_t data_end = body.find(boundary, pos + *length);
    if (data_end == std::string_view::npos)
      return make_error("the body ends before " + name + "'s closing boundary");
    part.data = std::string(body.substr(pos, data_end - pos));
    parts.push_back(std::move(part));
    pos = data_end + boundary.size();
    if (body.substr(pos, 2) == "--") {
      if (!trim_space(body.substr(pos + 2)).empty())
        return make_error("bytes after the closing boundary");
      return parts;
    }
    if (body.substr(pos, 2) != "\r\n")
      return make_error(name + ": its data is followed by neither a part nor the closing boundary");
    pos += 2;
  }
}

}  // namespace sd::wsman
