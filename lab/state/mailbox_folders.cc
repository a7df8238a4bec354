#include "lab/state/mailbox_folders.h"

#include <array>

#include "base/digest.h"
#include "base/text_checks.h"

namespace sd::lab {
namespace {

std::string digest_bytes(std::initializer_list<std::string_view> parts, size_t count) {
  std::string hex = sha256_hex(parts);
  std::string out;
  for (size_t i = 0; i + 1 < hex.size() && out.size() < count; i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Exchange's folder ids start 00 03 24 00, then the mailbox GUID as text; the lab's GUID is a
// digest of the address.
std::string folder_id(std::string_view smtp_lower, std::string_view key) {
  std::string mailbox_hex = sha256_hex({"mailbox", smtp_lower}).substr(0, 32);
  std::string guid = mailbox_hex.substr(0, 8) + '-' + mailbox_hex.substr(8, 4) + '-' +
                     mailbox_hex.substr(12, 4) + '-' + mailbox_hex.substr(16, 4) + '-' +
                     mailbox_hex.substr(20, 12);
  std::string bytes("\x00\x03\x24\x00", 4);
  bytes += guid;
  bytes += std::string("\x00\x2e\x00\x00\x00\x00\x00", 7);
  bytes += digest_bytes({"folder", smtp_lower, key}, 24);
  bytes += std::string("\x00\x00", 2);
  return base64_encode(bytes);
}

std::string change_key(std::string_view id) {
  std::string bytes("\x01\x00\x00\x00\x16\x00\x00\x00", 8);
  bytes += digest_bytes({"change", id}, 22);
  return base64_encode(bytes);
}

struct Distinguished {
  std::string_view id, name, folder_class;
};
// The mailbox's root, then the top of the information store under it, then the rest under that,
// as Exchange nests them (exchangelib starts from `root`).
constexpr std::array<Distinguished, 13> kDistinguished{{
    {"root", "Root", ""},
    {"msgfolderroot", "Top of Information Store", "IPF.Note"},
    {"inbox", "Inbox", "IPF.Note"},
    {"calendar", "Calendar", "IPF.Appointment"},
    {"contacts", "Contacts", "IPF.Contact"},
    {"tasks", "Tasks", "IPF.Task"},
    {"notes", "Notes", "IPF.StickyNote"},
    {"journal", "Journal", "IPF.Journal"},
    {"drafts", "Drafts", "IPF.Note"},
    {"sentitems", "Sent Items", "IPF.Note"},
    {"deleteditems", "Deleted Items", "IPF.Note"},
    {"outbox", "Outbox", "IPF.Note"},
    {"junkemail", "Junk Email", "IPF.Note"},
}};

constexpr std::string_view kSchemaIds[] = {"calendar",
                                           "contacts",
                                           "deleteditems",
                                           "drafts",
                                           "inbox",
                                           "journal",
                                           "notes",
                                           "outbox",
                                           "sentitems",
                                           "tasks",
                                           "msgfolderroot",
                                           "publicfoldersroot",
                                           "root",
                                           "junkemail",
                                           "searchfolders",
                                           "voicemail",
                                           "recoverableitemsroot",
                                           "recoverableitemsdeletions",
                                           "recoverableitemsversions",
                                           "recoverableitemspurges",
                                           "recoverableitemsdiscoveryholds",
                                           "archiveroot",
                                           "archivemsgfolderroot",
                                           "archivedeleteditems",
                                           "archiveinbox",
                                           "archiverecoverableitemsroot",
                                           "archiverecoverableitemsdeletions",
                                           "archiverecoverableitemsversions",
                                           "archiverecoverableitemspurges",
                                           "archiverecoverableitemsdiscoveryholds",
                                           "syncissues",
                                           "conflicts",
                                           "localfailures",
                                           "serverfailures",
                                           "recipientcache",
                                           "quickcontacts",
                                           "conversationhistory",
                                           "adminauditlogs",
                                           "todosearch",
                                           "mycontacts",
                                           "directory",
                                           "imcontactlist",
                                           "peopleconnect",
                                           "favorites",
                                           "mecontact",
                                           "personmetadata",
                                           "teamspaceactivity",
                                           "teamspacemessaging",
                                           "teamspaceworkitems",
                                           "scheduled",
                                           "orionnotes",
                                           "tagitems",
                                           "alltaggeditems",
                                           "externalcontacts",
                                           "teamchat",
                                           "yammerroot",
                                           "yammerinbound",
                                           "yammeroutbound",
                                           "yammerfeeds",
                                           "onedriveroot",
                                           "onedriverecylebin",
                                           "onedrivesystem",
                                           "onedrivevolume"};

}  // namespace

std::vector<LabFolder> distinguished_folders(std::string_view smtp) {
  std::string lower = to_lower_ascii(smtp);
  std::vector<LabFolder> out;
  std::string root_id, top_id;
  for (const Distinguished& d : kDistinguished) {
    LabFolder f;
    f.id = folder_id(lower, d.id);
    f.change_key = change_key(f.id);
    f.distinguished = std::string(d.id);
    f.display_name = std::string(d.name);
    f.parent_id = d.id == "root" ? "" : d.id == "msgfolderroot" ? root_id : top_id;
    f.folder_class = std::string(d.folder_class);
    if (d.id == "root") root_id = f.id;
    if (d.id == "msgfolderroot") top_id = f.id;
    out.push_back(std::move(f));
  }
  return out;
}

LabFolder custom_folder(std::string_view smtp, const std::string& parent_id,
                        const std::string& display_name, const std::string& folder_class) {
  LabFolder f;
  f.id =
      folder_id(to_lower_ascii(smtp), "custom:" + parent_id + "/" + to_lower_ascii(display_name));
  f.change_key = change_key(f.id);
  f.display_name = display_name;
  f.parent_id = parent_id;
  f.folder_class = folder_class;
  return f;
}

bool is_schema_distinguished_id(std::string_view id) {
  for (std::string_view known : kSchemaIds)
    if (known == id) return true;
  return false;
}

}  // namespace sd::lab
