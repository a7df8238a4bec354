// Reading the EWS requests the lab serves (GetFolder, FindFolder, CreateFolder, ResolveNames)
// from a parsed SOAP body into plain values. What the EWS schema would refuse is refused here
// the way Exchange does (ErrorSchemaValidation); what the schema allows but the lab does not
// implement is ErrorInvalidRequest, with a message that says what the lab supports. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <variant>
#include <vector>

#include "lab/ews/ews_responses.h"

namespace sd::lab {

// Why a request cannot be served at all: the fault the lab answers with.
struct Refusal {
  std::string code;     // ErrorSchemaValidation, ErrorInvalidRequest, ...
  std::string message;  // faultstring
};
[[nodiscard]] Refusal schema_error(
    std::string_view what);  // "The request failed schema validation: what"
[[nodiscard]] Refusal invalid_request(std::string_view what);  // "The request is invalid: what"

template <class T>
using Parsed = std::variant<T, Refusal>;

// A folder named in a request: t:DistinguishedFolderId or t:FolderId.
struct FolderRef {
  bool distinguished = false;
  std::string id;       // "calendar" or a FolderId Id
  std::string mailbox;  // DistinguishedFolderId/Mailbox/EmailAddress (delegate access), or ""
};

struct GetFolderRequest {
  FolderFields fields;
  std::vector<FolderRef> folders;
};

struct FindFolderRequest {
  enum class Traversal { Shallow, Deep, SoftDeleted };
  FolderFields fields;
  Traversal traversal = Traversal::Shallow;
  bool paged = false;  // IndexedPageFolderView given
  size_t max_entries = SIZE_MAX;
  size_t offset = 0;
  bool from_end = false;  // BasePoint="End"
  // IsEqualTo on folder:DisplayName or folder:FolderClass (compared without case).
  std::string restricted_field;  // "DisplayName", "FolderClass" or "" for none
  std::string restricted_value;
  std::vector<FolderRef> parents;
};

struct NewFolder {
  std::string element;  // "Folder", "CalendarFolder", "ContactsFolder", "TasksFolder"
  std::string display_name;
  std::string folder_class;
};

struct CreateFolderRequest {
  FolderRef parent;
  std::vector<NewFolder> folders;
};

struct ResolveNamesRequest {
  std::string entry;
  bool full_contact_data = false;
};

// `operation` is the SOAP Body's element (m:GetFolder, ...).
[[nodiscard]] Parsed<GetFolderRequest> read_get_folder(pugi::xml_node operation);
[[nodiscard]] Parsed<FindFolderRequest> read_find_folder(pugi::xml_node operation);
[[nodiscard]] Parsed<CreateFolderRequest> read_create_folder(pugi::xml_node operation);
[[nodiscard]] Parsed<ResolveNamesRequest> read_resolve_names(pugi::xml_node operation);

}  // namespace sd::lab
