#include "lab/ews/ews_requests.h"

#include <charconv>

#include "base/text_checks.h"
#include "lab/state/mailbox_folders.h"
#include "protocol/soap.h"

namespace sd::lab {
namespace {

using soap::kMessagesNs;
using soap::kTypesNs;
using soap::local_name;
using soap::namespace_of;

pugi::xml_node m_child(pugi::xml_node parent, std::string_view local) {
  return soap::child(parent, kMessagesNs, local);
}
pugi::xml_node t_child(pugi::xml_node parent, std::string_view local) {
  return soap::child(parent, kTypesNs, local);
}

std::vector<pugi::xml_node> elements(pugi::xml_node parent) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node node : parent.children())
    if (node.type() == pugi::node_element) out.push_back(node);
  return out;
}

// "m:GetFolder" as the client wrote it, for messages.
std::string named(pugi::xml_node node) {
  return printable(node.name(), 60);
}

std::optional<size_t> whole_number(std::string_view text) {
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> xs_boolean(std::string_view text) {
  std::string value(trim_space(text));
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return std::nullopt;
}

// m:FolderShape: BaseShape and AdditionalProperties.
Parsed<FolderFields> read_shape(pugi::xml_node operation) {
  pugi::xml_node shape = m_child(operation, "FolderShape");
  if (!shape) return schema_error(named(operation) + " has no m:FolderShape");
  std::string base(trim_space(t_child(shape, "BaseShape").child_value()));
  FolderFields f;
  if (base == "Default") {
    f.display_name = f.total_count = f.child_folder_count = f.unread_count = true;
  } else if (base == "AllProperties") {
    f.parent_id = f.folder_class = f.display_name = f.total_count = f.child_folder_count =
        f.unread_count = true;
  } else if (base != "IdOnly") {
    return schema_error(base.empty() ? "m:FolderShape has no t:BaseShape"
                                     : "the BaseShape '" + printable(base) +
                                           "' is not IdOnly, Default or AllProperties");
  }
  for (pugi::xml_node uri : elements(t_child(shape, "AdditionalProperties"))) {
    if (local_name(uri) != "FieldURI") continue;  // extended and indexed properties: none here
    std::string_view name = uri.attribute("FieldURI").value();
    if (name == "folder:ParentFolderId") f.parent_id = true;
    if (name == "folder:FolderClass") f.folder_class = true;
    if (name == "folder:DisplayName") f.display_name = true;
    if (name == "folder:TotalCount") f.total_count = true;
    if (name == "folder:ChildFolderCount") f.child_folder_count = true;
    if (name == "folder:UnreadCount") f.unread_count = true;
  }
  return f;
}

Parsed<FolderRef> read_folder_ref(pugi::xml_node node) {
  FolderRef ref;
  std::string_view name = local_name(node);
  if (namespace_of(node) != kTypesNs || (name != "DistinguishedFolderId" && name != "FolderId"))
    return schema_error("the element " + named(node) +
                        " is not a t:DistinguishedFolderId or t:FolderId");
  pugi::xml_attribute id = node.attribute("Id");
  if (!id) return schema_error("the required attribute 'Id' of " + named(node) + " is missing");
  ref.id = id.value();
  if (name == "FolderId") return ref;
  ref.distinguished = true;
  if (!is_schema_distinguished_id(ref.id))
    return schema_error(
        "The 'Id' attribute is invalid - The value '" + printable(ref.id) +
        "' is invalid according to its datatype "
        "'http://schemas.microsoft.com/exchange/services/2006/types:DistinguishedFolderIdNameType'"
        " - The Enumeration constraint failed");
  if (pugi::xml_node mailbox = t_child(node, "Mailbox"))
    ref.mailbox = trim_space(t_child(mailbox, "EmailAddress").child_value());
  return ref;
}

// Every element child of `list` as a folder reference; at least one.
Parsed<std::vector<FolderRef>> read_folder_refs(pugi::xml_node list, std::string_view what) {
  std::vector<FolderRef> refs;
  for (pugi::xml_node node : elements(list)) {
    Parsed<FolderRef> ref = read_folder_ref(node);
    if (auto* refusal = std::get_if<Refusal>(&ref)) return *refusal;
    refs.push_back(std::get<FolderRef>(std::move(ref)));
  }
  if (refs.empty()) return schema_error(std::string(what) + " names no folder");
  return refs;
}

// IndexedPageFolderView's attributes.
std::optional<Refusal> read_view(pugi::xml_node view, FindFolderRequest& request) {
  request.paged = true;
  if (pugi::xml_attribute max = view.attribute("MaxEntriesReturned")) {
    std::optional<size_t> n = whole_number(max.value());
    if (!n || *n == 0)
      return schema_error("MaxEntriesReturned '" + printable(max.value()) +
                          "' is not a positive whole number");
    request.max_entries = *n;
  }
  std::optional<size_t> offset = whole_number(view.attribute("Offset").value());
  if (!offset)
    return schema_error("the Offset of m:IndexedPageFolderView '" +
                        printable(view.attribute("Offset").value()) + "' is not a whole number");
  request.offset = *offset;
  std::string_view base = view.attribute("BasePoint").value();
  if (base != "Beginning" && base != "End")
    return schema_error("the BasePoint of m:IndexedPageFolderView '" + printable(base) +
                        "' is not Beginning or End");
  request.from_end = base == "End";
  return std::nullopt;
}

std::optional<Refusal> read_restriction(pugi::xml_node restriction, FindFolderRequest& request) {
  std::vector<pugi::xml_node> terms = elements(restriction);
  constexpr std::string_view kSupported =
      "the lab supports one restriction: t:IsEqualTo on folder:DisplayName or folder:FolderClass "
      "with a t:Constant";
  if (terms.size() != 1 || local_name(terms[0]) != "IsEqualTo") return invalid_request(kSupported);
  std::string_view field = t_child(terms[0], "FieldURI").attribute("FieldURI").value();
  pugi::xml_node constant = t_child(t_child(terms[0], "FieldURIOrConstant"), "Constant");
  if ((field != "folder:DisplayName" && field != "folder:FolderClass") || !constant ||
      !constant.attribute("Value"))
    return invalid_request(kSupported);
  request.restricted_field = std::string(field.substr(7));
  request.restricted_value = constant.attribute("Value").value();
  return std::nullopt;
}

}  // namespace

Refusal schema_error(std::string_view what) {
  return Refusal{"ErrorSchemaValidation",
                 "The request failed schema validation: " + std::string(what) + "."};
}

Refusal invalid_request(std::string_view what) {
  return Refusal{"ErrorInvalidRequest", "The request is invalid: " + std::string(what) + "."};
}

Parsed<GetFolderRequest> read_get_folder(pugi::xml_node operation) {
  GetFolderRequest request;
  Parsed<FolderFields> fields = read_shape(operation);
  if (auto* refusal = std::get_if<Refusal>(&fields)) return *refusal;
  request.fields = std::get<FolderFields>(fields);
  pugi::xml_node ids = m_child(operation, "FolderIds");
  if (!ids) return schema_error("m:GetFolder has no m:FolderIds");
  auto refs = read_folder_refs(ids, "m:FolderIds");
  if (auto* refusal = std::get_if<Refusal>(&refs)) return *refusal;
  request.folders = std::get<std::vector<FolderRef>>(std::move(refs));
  return request;
}

Parsed<FindFolderRequest> read_find_folder(pugi::xml_node operation) {
  FindFolderRequest request;
  std::string_view traversal = operation.attribute("Traversal").value();
  if (traversal == "Shallow") {
    request.traversal = FindFolderRequest::Traversal::Shallow;
  } else if (traversal == "Deep") {
    request.traversal = FindFolderRequest::Traversal::Deep;
  } else if (traversal == "SoftDeleted") {
    request.traversal = FindFolderRequest::Traversal::SoftDeleted;
  } else {
    return schema_error(traversal.empty() ? "the required attribute 'Traversal' of m:FindFolder "
                                            "is missing"
                                          : "the Traversal '" + printable(traversal) +
                                                "' is not Shallow, Deep or SoftDeleted");
  }
  Parsed<FolderFields> fields = read_shape(operation);
  if (auto* refusal = std::get_if<Refusal>(&fields)) return *refusal;
  request.fields = std::get<FolderFields>(fields);
  if (m_child(operation, "FractionalPageFolderView"))
    return invalid_request("the lab supports m:IndexedPageFolderView only");
  if (pugi::xml_node view = m_child(operation, "IndexedPageFolderView")) {
    if (std::optional<Refusal> refusal = read_view(view, request)) return *refusal;
  }
  if (pugi::xml_node restriction = m_child(operation, "Restriction")) {
    if (std::optional<Refusal> refusal = read_restriction(restriction, request)) return *refusal;
  }
  pugi::xml_node parents = m_child(operation, "ParentFolderIds");
  if (!parents) return schema_error("m:FindFolder has no m:ParentFolderIds");
  auto refs = read_folder_refs(parents, "m:ParentFolderIds");
  if (auto* refusal = std::get_if<Refusal>(&refs)) return *refusal;
  request.parents = std::get<std::vector<FolderRef>>(std::move(refs));
  return request;
}

Parsed<CreateFolderRequest> read_create_folder(pugi::xml_node operation) {
  CreateFolderRequest request;
  pugi::xml_node parent = m_child(operation, "ParentFolderId");
  if (!parent) return schema_error("m:CreateFolder has no m:ParentFolderId");
  std::vector<pugi::xml_node> parent_refs = elements(parent);
  if (parent_refs.size() != 1) return schema_error("m:ParentFolderId must hold exactly one folder");
  Parsed<FolderRef> ref = read_folder_ref(parent_refs[0]);
  if (auto* refusal = std::get_if<Refusal>(&ref)) return *refusal;
  request.parent = std::get<FolderRef>(std::move(ref));
  pugi::xml_node folders = m_child(operation, "Folders");
  if (!folders) return schema_error("m:CreateFolder has no m:Folders");
  for (pugi::xml_node node : elements(folders)) {
    std::string element(local_name(node));
    if (element == "SearchFolder") return invalid_request("the lab cannot create search folders");
    if (namespace_of(node) != kTypesNs || (element != "Folder" && element != "CalendarFolder" &&
                                           element != "ContactsFolder" && element != "TasksFolder"))
      return schema_error("the element " + named(node) + " in m:Folders is not a folder");
    NewFolder folder;
    folder.element = element;
    folder.display_name = t_child(node, "DisplayName").child_value();
    if (folder.display_name.empty()) return schema_error(named(node) + " has no t:DisplayName");
    // FolderClass is honoured on the generic t:Folder only (exchange-protocols.md §3.c).
    std::string folder_class(trim_space(t_child(node, "FolderClass").child_value()));
    folder.folder_class = element == "CalendarFolder"   ? "IPF.Appointment"
                          : element == "ContactsFolder" ? "IPF.Contact"
                          : element == "TasksFolder"    ? "IPF.Task"
                          : folder_class.empty()        ? "IPF.Note"
                                                        : folder_class;
    request.folders.push_back(std::move(folder));
  }
  if (request.folders.empty()) return schema_error("m:Folders holds no folder");
  return request;
}

Parsed<ResolveNamesRequest> read_resolve_names(pugi::xml_node operation) {
  ResolveNamesRequest request;
  pugi::xml_attribute full = operation.attribute("ReturnFullContactData");
  if (!full)
    return schema_error(
        "the required attribute 'ReturnFullContactData' of m:ResolveNames is "
        "missing");
  std::optional<bool> flag = xs_boolean(full.value());
  if (!flag)
    return schema_error("ReturnFullContactData '" + printable(full.value()) +
                        "' is not true or false");
  request.full_contact_data = *flag;
  request.entry = trim_space(m_child(operation, "UnresolvedEntry").child_value());
  if (request.entry.empty()) return schema_error("m:ResolveNames has no m:UnresolvedEntry");
  return request;
}

}  // namespace sd::lab
