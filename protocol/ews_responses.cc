// Reading EWS responses: a SOAP fault (on HTTP 500 or 200) or one response message per requested
// item (exchange-protocols.md §3.b, §3.c, §3.e). Elements are matched by namespace and local name;
// anything else in a place the client reads from is reported, never skipped, so that a server
// speaking the wrong namespace cannot look like "nothing found".
#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "base/text_checks.h"
#include "protocol/ews_messages.h"
#include "protocol/soap.h"

namespace sd::ews {
namespace {

using soap::child;
using soap::kMessagesNs;
using soap::kTypesNs;
using soap::local_name;
using soap::namespace_of;

// "m:Foo", plus its namespace when that is not the expected one.
std::string describe(pugi::xml_node node, std::string_view expected_ns) {
  std::string text = node.name();
  const std::string_view ns = namespace_of(node);
  if (ns.empty())
    text += " (no namespace)";
  else if (ns != expected_ns)
    text += " (namespace " + std::string(ns) + ")";
  return text;
}

Error unexpected(pugi::xml_node node, std::string_view expected_ns) {
  return make_error("unexpected element " + describe(node, expected_ns) + " in the response");
}

std::vector<pugi::xml_node> element_children(pugi::xml_node parent) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node node : parent.children())
    if (node.type() == pugi::node_element) out.push_back(node);
  return out;
}

// The first element child of `parent` that is not in `ns` with one of the `allowed` local names.
pugi::xml_node first_stranger(pugi::xml_node parent, std::string_view ns,
                              std::initializer_list<std::string_view> allowed) {
  for (pugi::xml_node node : element_children(parent)) {
    const bool known = namespace_of(node) == ns &&
                       std::find(allowed.begin(), allowed.end(), local_name(node)) != allowed.end();
    if (!known) return node;
  }
  return {};
}

std::string text_of(pugi::xml_node node) {
  return node.child_value();
}

// Codes and server texts, without the indentation a pretty-printing server may add.
std::string trimmed_text_of(pugi::xml_node node) {
  const std::string_view text = node.child_value();
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

std::optional<long> to_long(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  long value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

std::string counted(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// "15.1.2507" from h:ServerVersionInfo in the SOAP header.
std::string server_version_of(pugi::xml_node header) {
  const pugi::xml_node info = child(header, kTypesNs, "ServerVersionInfo");
  if (!info || !info.attribute("MajorVersion")) return {};
  std::string version = info.attribute("MajorVersion").value();
  if (info.attribute("MinorVersion"))
    version += "." + std::string(info.attribute("MinorVersion").value());
  if (info.attribute("MajorBuildNumber"))
    version += "." + std::string(info.attribute("MajorBuildNumber").value());
  return version;
}

// What every response shares: a fault, or the operation's response messages.
struct Opened {
  std::unique_ptr<soap::Envelope> envelope;
  std::optional<EwsError> fault;
  std::string server_version;
  std::vector<pugi::xml_node> messages;
};

Result<Opened> open_response(int http_status, std::string_view body, std::string_view operation) {
  const std::string http_prefix =
      http_status == 200 ? "" : "HTTP " + std::to_string(http_status) + ": ";
  auto parsed = soap::parse_envelope(body);
  if (!parsed) return make_error(http_prefix + parsed.errors().front().message);
  Opened opened;
  opened.envelope = std::move(parsed).value();
  opened.server_version = server_version_of(opened.envelope->header);
  const pugi::xml_node root = opened.envelope->body;
  if (std::optional<soap::Fault> fault = soap::read_fault(root)) {
    auto back_off = fault->values.find("BackOffMilliseconds");
    opened.fault = EwsError{fault->code, fault->message,
                            back_off == fault->values.end()
                                ? std::nullopt
                                : to_long(std::optional<std::string>(back_off->second))};
    return opened;
  }
  if (http_status != 200)
    return make_error("HTTP " + std::to_string(http_status) + " without a SOAP fault");
  const std::string response_name = std::string(operation) + "Response";
  if (namespace_of(root) != kMessagesNs || local_name(root) != response_name)
    return unexpected(root, kMessagesNs);
  if (pugi::xml_node stranger = first_stranger(root, kMessagesNs, {"ResponseMessages"}))
    return unexpected(stranger, kMessagesNs);
  const pugi::xml_node messages = child(root, kMessagesNs, "ResponseMessages");
  if (!messages)
    return make_error("the " + std::string(operation) + " response has no ResponseMessages");
  const std::string message_name = response_name + "Message";
  for (pugi::xml_node message : element_children(messages)) {
    if (namespace_of(message) != kMessagesNs || local_name(message) != message_name)
      return unexpected(message, kMessagesNs);
    opened.messages.push_back(message);
  }
  return opened;
}

Error wrong_count(std::string_view operation, size_t messages, size_t expected,
                  std::string_view noun) {
  return make_error("the " + std::string(operation) + " response has " +
                    counted(messages, "message") + " for " + counted(expected, noun));
}

// When the count of messages is wrong: a throttled (else the first transient) Error among them.
// A server that refuses a whole request may say so in one message; that error then stands for
// the response, as a fault would, so that the caller backs off or retries instead of reading
// the answer as malformed. Any other wrong count stays an error.
std::optional<EwsError> request_level_error(const std::vector<pugi::xml_node>& messages) {
  std::optional<EwsError> transient;
  for (pugi::xml_node message : messages) {
    if (std::string_view(message.attribute("ResponseClass").value()) != "Error") continue;
    EwsError error{trimmed_text_of(child(message, kMessagesNs, "ResponseCode")),
                   trimmed_text_of(child(message, kMessagesNs, "MessageText")),
                   to_long(soap::message_xml_value(message, "BackOffMilliseconds"))};
    const ErrorClass kind = classify(error.code);
    if (kind == ErrorClass::Throttled) return error;
    if (kind == ErrorClass::Transient && !transient) transient = std::move(error);
  }
  return transient;
}

// ResponseClass, ResponseCode, MessageText and BackOffMilliseconds of message `index` (1-based).
struct MessageHead {
  std::string response_class;  // Success, Warning or Error
  EwsError status;             // code and text (also for Success and Warning)
  [[nodiscard]] bool error() const { return response_class == "Error"; }
  // A Warning is a success when it carries the payload, a failure when it does not.
  [[nodiscard]] bool warning() const { return response_class == "Warning"; }
};

Result<MessageHead> read_head(pugi::xml_node message, size_t index,
                              std::initializer_list<std::string_view> payload) {
  std::vector<std::string_view> allowed = {"MessageText", "ResponseCode", "DescriptiveLinkKey",
                                           "MessageXml"};
  allowed.insert(allowed.end(), payload.begin(), payload.end());
  for (pugi::xml_node node : element_children(message)) {
    if (namespace_of(node) != kMessagesNs ||
        std::find(allowed.begin(), allowed.end(), local_name(node)) == allowed.end())
      return unexpected(node, kMessagesNs);
  }
  const std::string klass = message.attribute("ResponseClass").value();
  const std::string where = "message " + std::to_string(index);
  if (klass.empty()) return make_error(where + " has no ResponseClass");
  if (klass != "Success" && klass != "Warning" && klass != "Error")
    return make_error(where + " has ResponseClass \"" + klass +
                      "\" (expected Success, Warning or Error)");
  MessageHead head;
  head.response_class = klass;
  head.status.code = trimmed_text_of(child(message, kMessagesNs, "ResponseCode"));
  head.status.message = trimmed_text_of(child(message, kMessagesNs, "MessageText"));
  head.status.back_off_ms = to_long(soap::message_xml_value(message, "BackOffMilliseconds"));
  if (head.error() && head.status.code.empty())
    return make_error(where + " is an error without a ResponseCode");
  return head;
}

// Exchange's folder ids and change keys are base64 text of well under 200 characters: anything
// else (megabytes, control characters, markup, quotes) is a broken or hostile answer, refused
// before it can travel into the store, a plan or a message.
constexpr size_t kMaxIdChars = 512;

// What is wrong with `id` as an EWS id (Id or ChangeKey), in a few words without quoting it;
// empty when it is one.
std::string id_problem(std::string_view id) {
  if (id.size() > kMaxIdChars)
    return "is " + std::to_string(id.size()) + " characters long (at most " +
           std::to_string(kMaxIdChars) + ")";
  size_t padding = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    const bool base64 = std::isalnum(c) || c == '+' || c == '/' || (c == '-' || c == '_');
    if (c == '=') {
      ++padding;
      continue;
    }
    if (!base64 || padding > 0)
      return "is not base64 text (character " + std::to_string(i + 1) + ")";
  }
  return padding > 2 ? "is not base64 text (too much padding)" : "";
}

// A t:Folder / t:CalendarFolder / ... element: its FolderId and DisplayName. Empty id: none.
// `which`: "folder 2", for errors.
Result<FolderResult> read_folder(pugi::xml_node folder, const std::string& which) {
  FolderResult result;
  const pugi::xml_node id = child(folder, kTypesNs, "FolderId");
  result.id = id.attribute("Id").value();
  result.change_key = id.attribute("ChangeKey").value();
  result.display_name = text_of(child(folder, kTypesNs, "DisplayName"));
  result.ok = !result.id.empty();
  if (std::string why = id_problem(result.id); !why.empty())
    return make_error(which + ": its FolderId " + why);
  if (std::string why = id_problem(result.change_key); !why.empty())
    return make_error(which + ": its ChangeKey " + why);
  if (result.display_name.size() > kMaxIdChars || has_control_character(result.display_name))
    return make_error(which +
                      ": its DisplayName is not a folder name (control characters, or "
                      "longer than " +
                      std::to_string(kMaxIdChars) + " characters)");
  return result;
}

// GetFolder and CreateFolder: one message per folder, each with m:Folders holding one folder.
Result<Response<FolderResult>> parse_folder_messages(int http_status, std::string_view body,
                                                     std::string_view operation, size_t expected) {
  auto opened = open_response(http_status, body, operation);
  if (!opened) return opened.take_errors();
  Response<FolderResult> response;
  response.server_version = opened->server_version;
  if (opened->fault) {
    response.fault = std::move(opened->fault);
    return response;
  }
  if (opened->messages.size() != expected) {
    if ((response.fault = request_level_error(opened->messages))) return response;
    return wrong_count(operation, opened->messages.size(), expected, "folder");
  }
  for (size_t i = 0; i < expected; ++i) {
    const pugi::xml_node message = opened->messages[i];
    auto head = read_head(message, i + 1, {"Folders"});
    if (!head) return head.take_errors();
    const std::vector<pugi::xml_node> folders =
        element_children(child(message, kMessagesNs, "Folders"));
    if (folders.size() > 1)
      return make_error("folder " + std::to_string(i + 1) + " has " +
                        counted(folders.size(), "folder") + " in its message");
    FolderResult folder;
    if (!folders.empty()) {
      Result<FolderResult> read = read_folder(folders.front(), "folder " + std::to_string(i + 1));
      if (!read.ok()) return read.take_errors();
      folder = std::move(read).value();
    }
    if (head->error() || (head->warning() && !folder.ok)) {
      // The folder did not resolve.
      folder = FolderResult{};
      folder.error = std::move(head->status);
    } else if (!folder.ok) {
      return make_error("folder " + std::to_string(i + 1) + " has no FolderId");
    }
    response.items.push_back(std::move(folder));
  }
  return response;
}

Result<Response<FolderResult>> read_find_folder(int http_status, std::string_view body) {
  auto opened = open_response(http_status, body, "FindFolder");
  if (!opened) return opened.take_errors();
  Response<FolderResult> response;
  response.server_version = opened->server_version;
  if (opened->fault) {
    response.fault = std::move(opened->fault);
    return response;
  }
  if (opened->messages.size() != 1) {
    if ((response.fault = request_level_error(opened->messages))) return response;
    return wrong_count("FindFolder", opened->messages.size(), 1, "parent folder");
  }
  const pugi::xml_node message = opened->messages.front();
  auto head = read_head(message, 1, {"RootFolder"});
  if (!head) return head.take_errors();
  const pugi::xml_node root_folder = child(message, kMessagesNs, "RootFolder");
  if (head->error() || (head->warning() && !root_folder)) {
    FolderResult failed;
    failed.error = std::move(head->status);
    response.items.push_back(std::move(failed));
    return response;
  }
  if (!root_folder) return make_error("the FindFolder response has no RootFolder");
  // Here the folders are t:Folders (unlike GetFolder's m:Folders); anything else is refused.
  if (pugi::xml_node stranger = first_stranger(root_folder, kTypesNs, {"Folders"}))
    return unexpected(stranger, kTypesNs);
  const std::vector<pugi::xml_node> found =
      element_children(child(root_folder, kTypesNs, "Folders"));
  for (size_t i = 0; i < found.size(); ++i) {
    Result<FolderResult> read = read_folder(found[i], "found folder " + std::to_string(i + 1));
    if (!read.ok()) return read.take_errors();
    FolderResult folder = std::move(read).value();
    if (!folder.ok) return make_error("found folder " + std::to_string(i + 1) + " has no FolderId");
    response.items.push_back(std::move(folder));
  }
  return response;
}

Result<Response<ResolvedName>> read_resolve_names(int http_status, std::string_view body) {
  auto opened = open_response(http_status, body, "ResolveNames");
  if (!opened) return opened.take_errors();
  Response<ResolvedName> response;
  response.server_version = opened->server_version;
  if (opened->fault) {
    response.fault = std::move(opened->fault);
    return response;
  }
  if (opened->messages.size() != 1) {
    if ((response.fault = request_level_error(opened->messages))) return response;
    return wrong_count("ResolveNames", opened->messages.size(), 1, "name");
  }
  const pugi::xml_node message = opened->messages.front();
  auto head = read_head(message, 1, {"ResolutionSet"});
  if (!head) return head.take_errors();
  const pugi::xml_node set = child(message, kMessagesNs, "ResolutionSet");
  if (head->error() || (head->warning() && !set)) {
    ResolvedName failed;
    failed.error = std::move(head->status);
    response.items.push_back(std::move(failed));
    return response;
  }
  if (!set) return make_error("the ResolveNames response has no ResolutionSet");
  if (pugi::xml_node stranger = first_stranger(set, kTypesNs, {"Resolution"}))
    return unexpected(stranger, kTypesNs);
  const std::vector<pugi::xml_node> resolutions = element_children(set);
  for (size_t i = 0; i < resolutions.size(); ++i) {
    const pugi::xml_node mailbox = child(resolutions[i], kTypesNs, "Mailbox");
    if (!mailbox) return make_error("resolution " + std::to_string(i + 1) + " has no Mailbox");
    ResolvedName name;
    name.ok = true;
    name.name = text_of(child(mailbox, kTypesNs, "Name"));
    name.smtp = text_of(child(mailbox, kTypesNs, "EmailAddress"));
    name.mailbox_type = text_of(child(mailbox, kTypesNs, "MailboxType"));
    response.items.push_back(std::move(name));
  }
  return response;
}

// No exception leaves a parser: a failure to allocate is an error like any other.
template <class Parse>
auto guarded(std::string_view operation, Parse parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const std::exception& e) {
    return make_error("cannot read the " + std::string(operation) + " response: " + e.what());
  }
}

}  // namespace

Result<Response<FolderResult>> parse_get_folder_response(int http_status, std::string_view body,
                                                         size_t expected_folders) {
  return guarded("GetFolder", [&] {
    return parse_folder_messages(http_status, body, "GetFolder", expected_folders);
  });
}

Result<Response<FolderResult>> parse_create_folder_response(int http_status,
                                                            std::string_view body) {
  return guarded("CreateFolder",
                 [&] { return parse_folder_messages(http_status, body, "CreateFolder", 1); });
}

Result<Response<FolderResult>> parse_find_folder_response(int http_status, std::string_view body) {
  return guarded("FindFolder", [&] { return read_find_folder(http_status, body); });
}

Result<Response<ResolvedName>> parse_resolve_names_response(int http_status,
                                                            std::string_view body) {
  return guarded("ResolveNames", [&] { return read_resolve_names(http_status, body); });
}

}  // namespace sd::ews
