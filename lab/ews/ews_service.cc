#include "lab/ews/ews_service.h"

#include <algorithm>
#include <deque>

#include "base/text_checks.h"
#include "lab/ews/ews_requests.h"
#include "lab/state/mailbox_folders.h"
#include "protocol/soap.h"

namespace sd::lab {
namespace {

using soap::kMessagesNs;
using soap::kTypesNs;
using soap::local_name;
using soap::namespace_of;

constexpr std::string_view kNoMailbox = "The SMTP address has no mailbox associated with it.";
constexpr std::string_view kFolderNotFound =
    "The specified folder could not be found in the store.";

// ExchangeVersionType values (exchange-protocols.md §3.a).
constexpr std::string_view kServerVersions[] = {
    "Exchange2007",     "Exchange2007_SP1", "Exchange2009", "Exchange2010",     "Exchange2010_SP1",
    "Exchange2010_SP2", "Exchange2012",     "Exchange2013", "Exchange2013_SP1", "Exchange2015",
    "Exchange2016",     "V2015_10_05",      "V2016_01_06",  "V2016_04_13",      "V2016_07_13",
    "V2016_10_10",      "V2017_01_07",      "V2017_04_14",  "V2017_07_11"};

HttpAnswer refuse(const Refusal& refusal) {
  return fault_answer(refusal.code, refusal.message);
}

// A per-message error: code and text, plus MessageXml values.
struct MessageError {
  std::string code, text;
  std::map<std::string, std::string> values;
};

bool looks_like_folder_id(const std::string& id) {
  std::string bytes;
  return base64_decode(id, bytes) && bytes.starts_with(std::string_view("\x00\x03\x24\x00", 4));
}

// Serves one parsed request for the mailbox acted as (`mailbox`: impersonated or the caller).
class Operation {
 public:
  Operation(LabState& state, std::string mailbox) : state_(state), mailbox_(std::move(mailbox)) {}

  HttpAnswer get_folder(const GetFolderRequest& request) const {
    std::string messages;
    for (const FolderRef& ref : request.folders) {
      std::variant<LabFolder, MessageError> found = resolve(ref);
      if (auto* error = std::get_if<MessageError>(&found)) {
        messages += error_message("GetFolderResponseMessage", error->code, error->text,
                                  error->values, "<m:Folders/>");
        continue;
      }
      const LabFolder& folder = std::get<LabFolder>(found);
      messages += success_message(
          "GetFolderResponseMessage",
          "<m:Folders>" + folder_xml(folder, request.fields, child_count(request.fields, folder)) +
              "</m:Folders>");
    }
    return operation_answer("GetFolder", messages);
  }

  HttpAnswer find_folder(const FindFolderRequest& request) const {
    std::string messages;
    for (const FolderRef& ref : request.parents) {
      std::variant<LabFolder, MessageError> parent = resolve(ref);
      if (auto* error = std::get_if<MessageError>(&parent)) {
        messages +=
            error_message("FindFolderResponseMessage", error->code, error->text, error->values);
        continue;
      }
      messages += success_message("FindFolderResponseMessage",
                                  found_folders(request, std::get<LabFolder>(parent)));
    }
    return operation_answer("FindFolder", messages);
  }

  HttpAnswer create_folder(const CreateFolderRequest& request) const {
    std::string messages;
    std::variant<LabFolder, MessageError> parent = resolve(request.parent);
    for (const NewFolder& wanted : request.folders) {
      if (auto* error = std::get_if<MessageError>(&parent)) {
        std::string code =
            error->code == "ErrorFolderNotFound" ? "ErrorParentFolderNotFound" : error->code;
        std::string text = code == "ErrorParentFolderNotFound"
                               ? "The parent folder could not be found."
                               : error->text;
        messages +=
            error_message("CreateFolderResponseMessage", code, text, error->values, "<m:Folders/>");
        continue;
      }
      Result<LabFolder> created =
          state_.create_folder(target(request.parent), std::get<LabFolder>(parent).id,
                               wanted.display_name, wanted.folder_class);
      if (!created.ok()) {
        const std::string& code = created.errors().front().message;
        std::string_view text = code == "ErrorFolderExists"
                                    ? "A folder with the specified name already exists."
                                    : "An internal server error occurred. The operation failed.";
        messages += error_message("CreateFolderResponseMessage",
                                  code.starts_with("Error") ? code : "ErrorInternalServerError",
                                  text, {}, "<m:Folders/>");
        continue;
      }
      messages += success_message("CreateFolderResponseMessage",
                                  "<m:Folders><t:" + wanted.element + "><t:FolderId Id=\"" +
                                      soap::xml_escape(created->id) + "\" ChangeKey=\"" +
                                      soap::xml_escape(created->change_key) +
                                      "\"/></t:" + wanted.element + "></m:Folders>");
    }
    return operation_answer("CreateFolder", messages);
  }

  HttpAnswer resolve_names(const ResolveNamesRequest& request) const {
    std::string address = request.entry;
    if (address.size() > 5 && iequals(std::string_view(address).substr(0, 5), "smtp:"))
      address = address.substr(5);
    if (!state_.is_known_address(address)) {
      return operation_answer(
          "ResolveNames", error_message("ResolveNamesResponseMessage",
                                        "ErrorNameResolutionNoResults", "No results were found."));
    }
    bool mailbox = state_.has_mailbox(address);
    std::string name = mailbox ? state_.display_name(address) : address;
    std::string resolution = "<t:Resolution><t:Mailbox>";
    resolution += "<t:Name>" + soap::xml_escape(name) + "</t:Name><t:EmailAddress>" +
                  soap::xml_escape(address) +
                  "</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>" +
                  (mailbox ? "Mailbox" : "Contact") + "</t:MailboxType></t:Mailbox>";
    if (request.full_contact_data) {
      resolution += "<t:Contact><t:DisplayName>" + soap::xml_escape(name) +
                    "</t:DisplayName><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">SMTP:" +
                    soap::xml_escape(address) +
                    "</t:Entry></t:EmailAddresses><t:ContactSource>ActiveDirectory"
                    "</t:ContactSource></t:Contact>";
    }
    resolution += "</t:Resolution>";
    return operation_answer(
        "ResolveNames",
        success_message(
            "ResolveNamesResponseMessage",
            "<m:ResolutionSet TotalItemsInView=\"1\" IncludesLastItemInRange=\"true\">" +
                resolution + "</m:ResolutionSet>"));
  }

 private:
  const std::string& target(const FolderRef& ref) const {
    return ref.mailbox.empty() ? mailbox_ : ref.mailbox;
  }

  // The folder a reference names, in the acted-as mailbox (or the delegate mailbox it names).
  std::variant<LabFolder, MessageError> resolve(const FolderRef& ref) const {
    const std::string& smtp = target(ref);
    if (!state_.has_mailbox(smtp))
      return MessageError{
          "ErrorNonExistentMailbox", std::string(kNoMailbox), {{"SmtpAddress", smtp}}};
    // Delegate access to another mailbox needs folder permissions, which the lab never grants.
    if (!ref.mailbox.empty() && !iequals(ref.mailbox, mailbox_))
      return MessageError{
          "ErrorAccessDenied", "Access is denied. Check credentials and try again.", {}};
    std::optional<LabFolder> folder =
        ref.distinguished ? state_.distinguished_folder(smtp, ref.id) : state_.folder(smtp, ref.id);
    if (folder) return *folder;
    if (!ref.distinguished && !looks_like_folder_id(ref.id))
      return MessageError{"ErrorInvalidIdMalformed", "Id is malformed.", {}};
    return MessageError{"ErrorFolderNotFound", std::string(kFolderNotFound), {}};
  }

  size_t child_count(const FolderFields& fields, const LabFolder& folder) const {
    return fields.child_folder_count ? state_.child_folders(mailbox_, folder.id).size() : 0;
  }

  // m:RootFolder with the folders below `parent` that match, one page of them.
  std::string found_folders(const FindFolderRequest& request, const LabFolder& parent) const {
    using Traversal = FindFolderRequest::Traversal;
    std::vector<LabFolder> matches;
    if (request.traversal != Traversal::SoftDeleted) {
      std::deque<std::string> pending{parent.id};
      while (!pending.empty()) {
        std::vector<LabFolder> children = state_.child_folders(mailbox_, pending.front());
        pending.pop_front();
        for (LabFolder& f : children) {
          if (request.traversal == Traversal::Deep) pending.push_back(f.id);
          const std::string& value =
              request.restricted_field == "FolderClass" ? f.folder_class : f.display_name;
          if (request.restricted_field.empty() || iequals(value, request.restricted_value))
            matches.push_back(std::move(f));
        }
      }
    }
    size_t total = matches.size();
    size_t begin = 0, end = total;
    if (request.paged) {
      size_t count = std::min(request.max_entries, total);
      if (request.from_end) {
        end = request.offset >= total ? 0 : total - request.offset;
        begin = end > count ? end - count : 0;
      } else {
        begin = std::min(request.offset, total);
        end = begin + std::min(count, total - begin);
      }
    }
    std::string out = "<m:RootFolder";
    if (request.paged)
      out += " IndexedPagingOffset=\"" +
             std::to_string(request.from_end ? request.offset + (end - begin) : end) + "\"";
    bool includes_last = request.from_end ? begin == 0 || end == total : end == total;
    out += " TotalItemsInView=\"" + std::to_string(total) + "\" IncludesLastItemInRange=\"" +
           (includes_last ? "true" : "false") + "\"><t:Folders>";
    for (size_t i = begin; i < end; ++i)
      out += folder_xml(matches[i], request.fields,
                        request.fields.child_folder_count
                            ? state_.child_folders(mailbox_, matches[i].id).size()
                            : 0);
    out += "</t:Folders></m:RootFolder>";
    return out;
  }

  LabState& state_;
  std::string mailbox_;
};

// The request's problem with its RequestServerVersion, if any.
std::optional<Refusal> check_version(pugi::xml_node header) {
  pugi::xml_node version = soap::child(header, kTypesNs, "RequestServerVersion");
  if (!version)
    return Refusal{"ErrorInvalidServerVersion",
                   "The specified server version is invalid. The request has no "
                   "t:RequestServerVersion header; send one, e.g. Version=\"Exchange2013_SP1\"."};
  std::string_view value = version.attribute("Version").value();
  for (std::string_view known : kServerVersions)
    if (value == known) return std::nullopt;
  return Refusal{"ErrorInvalidServerVersion",
                 "The specified server version is invalid. '" + printable(value) +
                     "' is not an Exchange version (e.g. Exchange2013_SP1)."};
}

}  // namespace

HttpAnswer EwsService::handle(const std::string& account_upn, std::string_view body) const {
  try {
    if (trim_space(body).empty())
      return refuse(
          invalid_request("the body is empty; EWS requests are SOAP envelopes POSTed "
                          "as text/xml"));
    Result<std::unique_ptr<soap::Envelope>> parsed = soap::parse_envelope(body);
    if (!parsed.ok()) {
      // The SOAP layer words its errors for responses; here the request is meant.
      std::string what = parsed.errors().front().message;
      if (what.starts_with("the response ")) what.replace(4, 8, "request");
      return refuse(schema_error(what));
    }
    const soap::Envelope& envelope = **parsed;
    if (std::optional<Refusal> refusal = check_version(envelope.header)) return refuse(*refusal);

    pugi::xml_node operation = envelope.body;
    std::string_view name = local_name(operation);
    if (namespace_of(operation) != kMessagesNs)
      return refuse(schema_error("the SOAP Body holds " + printable(operation.name()) +
                                 ", which is not an EWS operation in the messages namespace (" +
                                 std::string(kMessagesNs) + ")"));
    std::variant<GetFolderRequest, FindFolderRequest, CreateFolderRequest, ResolveNamesRequest,
                 Refusal>
        request = Refusal{};
    auto take = [&](auto parsed_request) {
      std::visit([&](auto&& value) { request = std::move(value); }, std::move(parsed_request));
    };
    if (name == "GetFolder") {
      take(read_get_folder(operation));
    } else if (name == "FindFolder") {
      take(read_find_folder(operation));
    } else if (name == "CreateFolder") {
      take(read_create_folder(operation));
    } else if (name == "ResolveNames") {
      take(read_resolve_names(operation));
    } else {
      return refuse(invalid_request("the lab does not implement m:" + printable(name) +
                                    " (it implements GetFolder, FindFolder, CreateFolder and "
                                    "ResolveNames)"));
    }
    if (auto* refusal = std::get_if<Refusal>(&request)) return refuse(*refusal);

    // Impersonation: the mailbox acted as. Without the header, the caller's own.
    std::string mailbox = account_upn;
    if (pugi::xml_node impersonation =
            soap::child(envelope.header, kTypesNs, "ExchangeImpersonation")) {
      pugi::xml_node sid = soap::child(impersonation, kTypesNs, "ConnectingSID");
      pugi::xml_node value;
      for (pugi::xml_node node : sid.children()) {
        if (node.type() == pugi::node_element) {
          value = node;  // an xs:choice: the one element names the mailbox
          break;
        }
      }
      std::string smtp(trim_space(value.child_value()));
      if (smtp.empty())
        return fault_answer(
            "ErrorInvalidExchangeImpersonationHeaderData",
            "The impersonation header data is invalid: ConnectingSID names no "
            "mailbox (give t:PrimarySmtpAddress, t:SmtpAddress or t:PrincipalName).");
      if (local_name(value) == "SID")
        return fault_answer("ErrorInvalidExchangeImpersonationHeaderData",
                            "The impersonation header data is invalid: the lab knows mailboxes by "
                            "SMTP address and UPN, not by SID.");
      if (!state_.has_mailbox(smtp))
        return fault_answer("ErrorNonExistentMailbox", kNoMailbox, {{"SmtpAddress", smtp}});
      if (!state_.may_impersonate(account_upn, smtp))
        return fault_answer("ErrorImpersonateUserDenied",
                            "The account does not have permission to impersonate the requested "
                            "user.");
      mailbox = smtp;
    }

    Operation op(state_, mailbox);
    if (auto* r = std::get_if<GetFolderRequest>(&request)) return op.get_folder(*r);
    if (auto* r = std::get_if<FindFolderRequest>(&request)) return op.find_folder(*r);
    if (auto* r = std::get_if<CreateFolderRequest>(&request)) return op.create_folder(*r);
    return op.resolve_names(std::get<ResolveNamesRequest>(request));
  } catch (const std::exception&) {
    return internal_error_answer();
  }
}

}  // namespace sd::lab
