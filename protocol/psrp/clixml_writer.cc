// write_clixml: a Value as PowerShell writes it (MS-PSRP 2.2.5), in the element order of the
// recorded Windows hosts: <TN>, <ToString>, the collection or wrapped value, <Props>, <MS>.
#include <map>
#include <pugixml.hpp>

#include "protocol/psrp/clixml_tags.h"
#include "protocol/psrp/clixml_value.h"

namespace sd::psrp {
namespace {

struct ClixmlStringSink : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

class ClixmlWriter {
 public:
  // `name` is the property's name (N), or null for an item, a wrapped value or the document.
  void write(pugi::xml_node parent, const Value& value, const std::string* name) {
    pugi::xml_node element = parent.append_child(value.tag.c_str());
    if (name != nullptr) element.append_attribute("N") = escape_clixml_string(*name).c_str();
    if (value.is_object()) return object(element, value);
    if (value.tag == "PR") return progress_record(element, value);
    if (value.text.empty()) return;
    element.append_child(pugi::node_pcdata)
        .set_value((clixml_tags::is_escaped_string(value.tag) ? escape_clixml_string(value.text)
                                                              : value.text)
                       .c_str());
  }

 private:
  void object(pugi::xml_node element, const Value& value) {
    element.append_attribute("RefId") = next_object_++;
    if (!value.type_names.empty()) {
      const auto [it, added] = type_lists_.try_emplace(value.type_names, next_type_list_);
      if (added) {
        pugi::xml_node tn = element.append_child("TN");
        tn.append_attribute("RefId") = next_type_list_++;
        for (const std::string& type : value.type_names)
          text_child(tn, "T", escape_clixml_string(type));
      } else {
        element.append_child("TNRef").append_attribute("RefId") = it->second;
      }
    }
    if (value.to_string) text_child(element, "ToString", escape_clixml_string(*value.to_string));
    if (value.collection == Value::Collection::Dictionary) {
      pugi::xml_node dct = element.append_child("DCT");
      static const std::string kKey = "Key", kValue = "Value";
      for (const Entry& entry : value.entries) {
        pugi::xml_node en = dct.append_child("En");
        write(en, entry.key, &kKey);
        write(en, entry.value, &kValue);
      }
    } else if (value.collection != Value::Collection::None) {
      pugi::xml_node items = element.append_child(clixml_tags::collection_tag(value.collection));
      for (const Value& item : value.items) write(items, item, nullptr);
    }
    for (const Value& wrapped : value.wrapped) write(element, wrapped, nullptr);
    properties(element, "Props", value.adapted);
    properties(element, "MS", value.extended);
  }

  void properties(pugi::xml_node element, const char* tag, const std::vector<Property>& list) {
    if (list.empty()) return;
    pugi::xml_node holder = element.append_child(tag);
    for (const Property& property : list) write(holder, property.value, &property.name);
  }

  // The fields in PowerShell's order, the current operation ("CO") third.
  void progress_record(pugi::xml_node element, const Value& value) {
    for (std::string_view field : clixml_tags::kProgressFields) {
      if (field == "PI")
        if (const Value* operation = value.property("CO")) write(element, *operation, nullptr);
      if (const Value* text = value.property(field))
        text_child(element, std::string(field).c_str(), escape_clixml_string(text->text));
    }
  }

  static void text_child(pugi::xml_node parent, const char* tag, const std::string& text) {
    pugi::xml_node child = parent.append_child(tag);
    if (!text.empty()) child.append_child(pugi::node_pcdata).set_value(text.c_str());
  }

  int next_object_ = 0;
  int next_type_list_ = 0;
  std::map<std::vector<std::string>, int> type_lists_;
};

}  // namespace

std::string write_clixml(const Value& value) {
  pugi::xml_document document;
  ClixmlWriter().write(document, value, nullptr);
  ClixmlStringSink sink;
  document.save(sink, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(sink.out);
}

}  // namespace sd::psrp
