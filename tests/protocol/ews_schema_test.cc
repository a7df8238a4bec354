// Every request the EWS client can send, validated against Microsoft's EWS schema with libxml2:
// each Body child against messages.xsd, each Header child against types.xsd (the schema does not
// describe the SOAP envelope; tests/data/ews-schema/README.md).
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <catch2/catch.hpp>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "protocol/ews_messages.h"
#include "protocol/soap.h"

namespace sd::ews {

namespace {

// libxml2's messages for the current check, collected for the failure output.
void collect(void* context, const char* format, ...) {
  char buffer[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  *static_cast<std::string*>(context) += buffer;
}

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Parses strictly (no network, no entities from outside); `errors` gets libxml2's messages.
DocPtr parse_strict(const std::string& text, std::string& errors) {
  xmlSetGenericErrorFunc(&errors, collect);
  DocPtr doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "request.xml", "UTF-8",
                           XML_PARSE_NONET));
  xmlSetGenericErrorFunc(nullptr, nullptr);
  return doc;
}

struct Schema {
  xmlSchema* schema = nullptr;
  std::string errors;  // from loading
  Schema() = default;
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;
  ~Schema() { xmlSchemaFree(schema); }  // at exit, so that the leak checker sees no leak
};

// Loaded once per run: the EWS schema is large and slow to compile.
const Schema& schema(const std::string& file) {
  static std::map<std::string, Schema> loaded;
  auto [it, inserted] = loaded.try_emplace(file);
  if (inserted) {
    const std::string path = std::string(SYNCDEPLOY_SOURCE_DIR) + "/tests/data/ews-schema/" + file;
    xmlSchemaParserCtxt* parser = xmlSchemaNewParserCtxt(path.c_str());
    xmlSchemaSetParserErrors(parser, collect, collect, &it->second.errors);
    it->second.schema = xmlSchemaParse(parser);
    xmlSchemaFreeParserCtxt(parser);
  }
  return it->second;
}

// Validates `element` (copied into a document of its own with t: and m: declared) against the
// schema in `file`; returns libxml2's messages, "" when valid.
std::string validate(pugi::xml_node element, const std::string& file) {
  const Schema& loaded = schema(file);
  if (!loaded.schema) return "cannot load " + file + ": " + loaded.errors;
  pugi::xml_document alone;
  pugi::xml_node copy = alone.append_copy(element);
  copy.append_attribute("xmlns:t") = std::string(soap::kTypesNs).c_str();
  copy.append_attribute("xmlns:m") = std::string(soap::kMessagesNs).c_str();
  std::ostringstream text;
  alone.save(text, "", pugi::format_raw);
  std::string errors;
  DocPtr doc = parse_strict(text.str(), errors);
  if (!doc) return "not well-formed: " + errors;
  xmlSchemaValidCtxt* validator = xmlSchemaNewValidCtxt(loaded.schema);
  xmlSchemaSetValidErrors(validator, collect, collect, &errors);
  const int result = xmlSchemaValidateDoc(validator, doc.get());
  xmlSchemaFreeValidCtxt(validator);
  if (result != 0 && errors.empty())
    errors = "invalid (libxml2 code " + std::to_string(result) + ")";
  return result == 0 ? "" : errors;
}

// Checks one whole request envelope: well-formed for a strict parser, every Header child valid
// against types.xsd and every Body child against messages.xsd. Returns the Body's operation.
pugi::xml_node check_request(const std::string& request, pugi::xml_document& doc) {
  INFO(request);
  std::string errors;
  DocPtr strict = parse_strict(request, errors);
  INFO("libxml2: " << errors);
  REQUIRE(strict);
  REQUIRE(doc.load_string(request.c_str()));
  const pugi::xml_node envelope = doc.document_element();
  const pugi::xml_node header = soap::child(envelope, soap::kEnvelopeNs, "Header");
  const pugi::xml_node body = soap::child(envelope, soap::kEnvelopeNs, "Body");
  REQUIRE(header);
  REQUIRE(body);
  for (pugi::xml_node part : header.children()) {
    INFO("header element " << part.name());
    CHECK(validate(part, "types.xsd") == "");
  }
  size_t operations = 0;
  for (pugi::xml_node operation : body.children()) {
    INFO("body element " << operation.name());
    CHECK(validate(operation, "messages.xsd") == "");
    ++operations;
  }
  CHECK(operations == 1);
  return body.first_child();
}

constexpr ExchangeVersion kVersions[] = {
    ExchangeVersion::Exchange2010, ExchangeVersion::Exchange2013, ExchangeVersion::Exchange2016,
    ExchangeVersion::Exchange2019, ExchangeVersion::ExchangeSE,   ExchangeVersion::ExchangeOnline};

}  // namespace

TEST_CASE("the EWS schema loads", "[ews-schema]") {
  INFO(schema("messages.xsd").errors);
  CHECK(schema("messages.xsd").schema != nullptr);
  INFO(schema("types.xsd").errors);
  CHECK(schema("types.xsd").schema != nullptr);
}

TEST_CASE("the schema check catches an invalid body (the check can fail)", "[ews-schema]") {
  // DisplayName before FolderClass: the wrong order for BaseFolderType.
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      "<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId "
      "Id=\"msgfolderroot\"/></m:ParentFolderId>"
      "<m:Folders><t:Folder><t:DisplayName>x</t:DisplayName><t:FolderClass>IPF.Note</t:FolderClass>"
      "</t:Folder></m:Folders></m:CreateFolder>"));
  const std::string errors = validate(doc.first_child(), "messages.xsd");
  CHECK(errors.find("FolderClass") != std::string::npos);
  CHECK(errors.find("This element is not expected") != std::string::npos);

  pugi::xml_document header;
  REQUIRE(header.load_string("<t:RequestServerVersion Version=\"Exchange2099\"/>"));
  CHECK(validate(header.first_child(), "types.xsd").find("Exchange2099") != std::string::npos);
}

TEST_CASE("every request the client sends is valid EWS, for every version", "[ews-schema]") {
  const std::vector<std::string> all_folders = {"calendar", "tasks", "contacts", "msgfolderroot"};
  for (ExchangeVersion version : kVersions) {
    for (const std::string& smtp : {std::string(), std::string("alice@example.local")}) {
      const RequestHeader header{std::string(request_server_version(version)), smtp};
      INFO("version " << header.server_version << ", impersonating '" << smtp << "'");
      for (size_t n = 1; n <= all_folders.size(); ++n) {
        pugi::xml_document doc;
        const std::vector<std::string> folders(all_folders.begin(), all_folders.begin() + n);
        pugi::xml_node get = check_request(get_folder_request(header, folders), doc);
        CHECK(soap::local_name(get) == "GetFolder");
        size_t ids = 0;
        for (pugi::xml_node id : soap::child(get, soap::kMessagesNs, "FolderIds").children())
          CHECK(std::string(id.attribute("Id").value()) == folders[ids++]);
        CHECK(ids == n);
      }
      for (const char* parent : {"msgfolderroot", "calendar", "contacts", "tasks"}) {
        pugi::xml_document find_doc, create_doc;
        CHECK(soap::local_name(check_request(find_folder_request(header, parent, "CRM Sync"),
                                             find_doc)) == "FindFolder");
        CHECK(soap::local_name(check_request(find_folder_request(header, parent, "CRM Sync", 100),
                                             find_doc)) == "FindFolder");
        CHECK(soap::local_name(check_request(create_folder_request(header, parent, "CRM Sync"),
                                             create_doc)) == "CreateFolder");
        CHECK(soap::local_name(check_request(
                  create_folder_request(header, parent, "CRM Sync", "IPF.Task"), create_doc)) ==
              "CreateFolder");
      }
      pugi::xml_document resolve_doc;
      CHECK(soap::local_name(check_request(resolve_names_request(header, "bob@example.local"),
                                           resolve_doc)) == "ResolveNames");
      // The header is exactly RequestServerVersion, plus ExchangeImpersonation when acting as a
      // mailbox.
      const pugi::xml_node soap_header =
          soap::child(resolve_doc.document_element(), soap::kEnvelopeNs, "Header");
      CHECK(std::string(soap_header.first_child().attribute("Version").value()) ==
            header.server_version);
      CHECK(bool(soap::child(soap_header, soap::kTypesNs, "ExchangeImpersonation")) ==
            !smtp.empty());
    }
  }
}

TEST_CASE("hostile addresses and names keep the requests well-formed and valid", "[ews-schema]") {
  const std::string fffd = "\xEF\xBF\xBD";
  // Each value, and the text a reader gets back: valid text unchanged, what XML cannot carry
  // (controls, bytes that are not UTF-8, U+FFFF) as U+FFFD.
  const std::pair<std::string, std::string> hostile[] = {
      {R"(o'brien"<x>&amp;@example.local)", R"(o'brien"<x>&amp;@example.local)"},
      {"</t:PrimarySmtpAddress><t:SID>S-1-5</t:SID>@x",
       "</t:PrimarySmtpAddress><t:SID>S-1-5</t:SID>@x"},
      {std::string("ctl\x01\x02\x1b\x7f\t\r\n end\0", 15),
       "ctl" + fffd + fffd + fffd + "\x7f\t\r\n end" + fffd},
      {"Zo\xC3\xAB \xE6\x97\xA5 \xF0\x9F\x98\x80 \xD7\xA9\xD7\x9C \xE2\x80\xAE rtl",
       "Zo\xC3\xAB \xE6\x97\xA5 \xF0\x9F\x98\x80 \xD7\xA9\xD7\x9C \xE2\x80\xAE rtl"},
      {"broken \xC3 utf8 \xFF\xFE \xED\xA0\x80 \xEF\xBF\xBF",
       "broken " + fffd + " utf8 " + fffd + fffd + " " + fffd + fffd + fffd + " " + fffd},
      {"]]><!-- <?pi?> <!DOCTYPE x [<!ENTITY e \"boom\">]> &e;",
       "]]><!-- <?pi?> <!DOCTYPE x [<!ENTITY e \"boom\">]> &e;"},
  };
  using soap::child;
  using soap::kMessagesNs;
  using soap::kTypesNs;
  for (const auto& [value, expected] : hostile) {
    INFO("value: " << value);
    const RequestHeader header{"Exchange2013_SP1", value};

    pugi::xml_document get_doc;
    check_request(get_folder_request(header, {"calendar", "tasks"}), get_doc);
    const pugi::xml_node soap_header =
        child(get_doc.document_element(), soap::kEnvelopeNs, "Header");
    CHECK(child(child(child(soap_header, kTypesNs, "ExchangeImpersonation"), kTypesNs,
                      "ConnectingSID"),
                kTypesNs, "PrimarySmtpAddress")
              .child_value() == expected);

    pugi::xml_document find_doc;
    const pugi::xml_node find =
        check_request(find_folder_request(header, "msgfolderroot", value), find_doc);
    CHECK(child(child(child(child(find, kMessagesNs, "Restriction"), kTypesNs, "IsEqualTo"),
                      kTypesNs, "FieldURIOrConstant"),
                kTypesNs, "Constant")
              .attribute("Value")
              .value() == expected);

    pugi::xml_document create_doc;
    const pugi::xml_node create =
        check_request(create_folder_request(header, "msgfolderroot", value), create_doc);
    CHECK(child(child(child(create, kMessagesNs, "Folders"), kTypesNs, "Folder"), kTypesNs,
                "DisplayName")
              .child_value() == expected);

    pugi::xml_document resolve_doc;
    const pugi::xml_node resolve = check_request(resolve_names_request(header, value), resolve_doc);
    CHECK(child(resolve, kMessagesNs, "UnresolvedEntry").child_value() == expected);
  }
}

}  // namespace sd::ews
