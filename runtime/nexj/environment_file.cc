#include "runtime/nexj/environment_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <pugixml.hpp>
#include <set>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/text_checks.h"
#include "runtime/nexj/xml_splice.h"
#include "runtime/nexj/xml_strict.h"

namespace sd {
namespace {

constexpr size_t kMaxBytes = size_t{64} << 20;   // an environment file is a few KiB
constexpr std::string_view kIndentUnit = "   ";  // what NexJ Studio writes
constexpr mode_t kNewFileMode = 0600;            // the file holds passwords
constexpr mode_t kBackupModeMask = 0600;         // its .bak: at most owner read and write

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string read_only_text(mode_t mode) {
  return "the file is read-only (mode " + mode_text(mode) + ")";
}

// Whether the spec puts a password into the file (a secret field of a channel it manages).
bool holds_secrets(const DesiredState& desired) {
  for (const Resource& r : desired.resources) {
    if (r.type != &types::kMailChannel && r.type != &types::kHttpChannel) continue;
    for (size_t i = 0; i < r.type->fields.size() && i < r.values.size(); ++i)
      if (r.type->fields[i].compare == Compare::Secret && !is_unset(r.values[i])) return true;
  }
  return false;
}

// A plan warns of an environment file that will hold passwords others can read, or that its
// owner made read-only (apply refuses to replace it). Apply keeps the file's mode: NexJ's
// server may read it through its group.
std::optional<PreconditionCheck> permission_check(const std::string& path, const FileStatus& st,
                                                  const DesiredState& desired) {
  PreconditionCheck check;
  check.status = PreconditionCheck::Status::Warning;
  check.name = "permissions of the environment file (" + printable(path) + ")";
  if ((st.mode & S_IWUSR) == 0) {
    check.detail = read_only_text(st.mode) + "; apply will not replace it";
    return check;
  }
  if ((st.mode & (S_IRWXG | S_IRWXO)) == 0 || !holds_secrets(desired)) return std::nullopt;
  const bool others = (st.mode & S_IRWXO) != 0;
  check.detail = "mode " + mode_text(st.mode) + ": " +
                 (others ? "anyone on the machine" : "its group") +
                 " can read the channel passwords it holds; apply keeps the mode: chmod " +
                 (others ? "o-rwx" : "g-rwx") + " (or 600) if nothing else needs it";
  return check;
}

struct FileRead {
  bool exists = false;
  std::string content;
  FileStatus status;
  std::string error;  // "" when read or missing
};

// Missing is not an error: a fresh deployment has no file yet. Devices and FIFOs are never
// opened (they are looked at first).
FileRead read_env_file(FileSystem& files, const std::string& path) {
  FileRead r;
  auto fail = [&](const std::string& why) {
    r.error = path + ": cannot read file: " + why;
    return r;
  };
  Result<std::optional<FileStatus>> status = files.status(path);
  if (!status.ok()) return fail(status.errors().front().message);
  if (!*status) return r;
  if (!(*status)->regular) return fail("not a regular file");
  Result<std::string> content = files.read_file(path, kMaxBytes);
  if (!content.ok()) return fail(content.errors().front().message);
  r.exists = true;
  r.content = std::move(*content);
  r.status = **status;
  return r;
}

// The error of a failed atomic write as one line ("<file>: cannot write file: ...").
std::string write_atomically(FileSystem& files, const std::string& path, std::string_view content,
                             mode_t mode, const FileStatus* like) {
  Status written = write_file_atomically(path, content, mode, like, files);
  return written.ok() ? std::string() : path + ": " + written.errors().front().message;
}

std::string at(const std::string& path, std::string_view text, size_t offset) {
  xml::LineCol lc = xml::line_col(text, offset);
  return path + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.column) + ": ";
}

size_t offset_of(pugi::xml_node node) {
  std::ptrdiff_t off = node.offset_debug();
  return off < 0 ? 0 : static_cast<size_t>(off);
}

// pugixml keeps a duplicated attribute as two; XML 1.0 refuses the element. "" or
// "line:col: malformed XML: attribute channel appears twice".
std::string find_duplicate_attribute(std::string_view text, pugi::xml_document& doc) {
  struct Walker : pugi::xml_tree_walker {
    std::string_view text;
    std::string error;
    bool for_each(pugi::xml_node& node) override {
      if (node.type() != pugi::node_element) return true;
      for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
        for (pugi::xml_attribute b = a.next_attribute(); b; b = b.next_attribute()) {
          if (std::string_view(a.name()) != b.name()) continue;
          xml::LineCol lc = xml::line_col(text, offset_of(node) - 1);
          error = std::to_string(lc.line) + ":" + std::to_string(lc.column) +
                  ": malformed XML: attribute " + printable(a.name(), 40) + " appears twice";
          return false;
        }
      }
      return true;
    }
  } walker;
  walker.text = text;
  doc.traverse(walker);
  return walker.error;
}

// Parses and checks `text`; returns "" or the one-line error (file:line:col when known).
std::string parse(const std::string& path, std::string_view text, pugi::xml_document& doc,
                  pugi::xml_node& root) {
  std::string_view head = text.substr(0, 4);
  if (head.starts_with("\xFE\xFF") || head.starts_with("\xFF\xFE") ||
      head.starts_with(std::string_view("\0\0\xFE\xFF", 4)) ||
      (text.size() > 1 && (text[0] == '\0' || text[1] == '\0')))
    return path + ": the file is UTF-16 or UTF-32; only UTF-8 is supported";
  if (std::optional<InvalidUtf8> bad = find_invalid_utf8(text)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", bad->byte);
    return path + ":" + std::to_string(bad->line) + ":" + std::to_string(bad->column) +
           ": not UTF-8 (byte " + hex + "); only UTF-8 is supported";
  }
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      return at(path, text, i) + "malformed XML: control character not allowed";
  }
  unsigned options = pugi::parse_default | pugi::parse_declaration | pugi::parse_doctype;
  pugi::xml_parse_result result =
      doc.load_buffer(text.data(), text.size(), options, pugi::encoding_utf8);
  if (!result)
    return at(path, text, static_cast<size_t>(std::max<std::ptrdiff_t>(result.offset, 0))) +
           "malformed XML: " + result.description();
  // What pugixml lets through and a strict parser (NexJ's) refuses.
  if (std::optional<xml::StrictProblem> problem = xml::find_strict_problem(text))
    return at(path, text, problem->offset) + "malformed XML: " + problem->message;
  if (std::string error = find_duplicate_attribute(text, doc); !error.empty())
    return path + ":" + error;
  root = pugi::xml_node();
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_declaration) {
      std::string_view enc = n.attribute("encoding").value();
      if (!enc.empty() && !iequals(enc, "UTF-8"))
        return at(path, text, offset_of(n) - 2) + "encoding " + quoted(enc) +
               " is not supported; only UTF-8 is";
    } else if (n.type() == pugi::node_doctype) {
      // Entities declared there would change what attribute values mean.
      if (std::string_view(n.value()).find('[') != std::string_view::npos)
        return path + ": a DOCTYPE with declarations is not supported";
    } else if (n.type() == pugi::node_element) {
      if (root) return at(path, text, offset_of(n) - 1) + "malformed XML: a second root element";
      root = n;
    } else if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      return path + ": malformed XML: text outside the root element";
    }
  }
  std::string_view name = root.name();
  if (name != "Environment" && name != "Connections")
    return at(path, text, offset_of(root) - 1) + "the root element is <" + printable(name, 40) +
           ">; expected <Environment> or <Connections>";
  if (root.offset_debug() < 0) return path + ": cannot locate elements in the file";
  return "";
}

std::string_view element_of(const ResourceType& type) {
  return &type == &types::kMailChannel ? "MailConnection" : "HTTPConnection";
}

// The connection of `channel`, or an empty node when there is none; `error` when the file
// binds it twice, with another kind of connection, or in a start tag that cannot be edited.
struct Located {
  pugi::xml_node node;
  xml::StartTag tag;
  std::string error;
};

Located locate(const std::string& path, std::string_view text, pugi::xml_node root,
               const ResourceType& type, const std::string& channel) {
  Located l;
  std::vector<pugi::xml_node> found;
  for (pugi::xml_node cc : root.children("ChannelConnections"))
    for (pugi::xml_node n : cc.children())
      if (n.type() == pugi::node_element && n.attribute("channel").value() == channel)
        found.push_back(n);
  if (found.empty()) return l;
  std::string where = at(path, text, offset_of(found[0]) - 1);
  if (found.size() > 1) {
    std::string lines;
    for (pugi::xml_node n : found)
      lines += (lines.empty() ? "" : ", ") + std::to_string(xml::line_col(text, offset_of(n)).line);
    l.error = where + "channel " + quoted(channel) + " has " + std::to_string(found.size()) +
              " connections (lines " + lines + "); keep one";
    return l;
  }
  if (found[0].name() != element_of(type)) {
    l.error = where + "channel " + quoted(channel) + " is bound by a <" +
              printable(found[0].name(), 40) + ">, not a <" + std::string(element_of(type)) + ">";
    return l;
  }
  std::string why;
  std::optional<xml::StartTag> tag = xml::scan_start_tag(text, offset_of(found[0]), &why);
  if (!tag) {
    l.error = where + why;
    return l;
  }
  l.node = found[0];
  l.tag = std::move(*tag);
  return l;
}

bool is_bool_field(std::string_view f) {
  return f == "enabled" || f == "secure";
}
bool is_int_field(std::string_view f) {
  return f == "inPort" || f == "outPort" || f == "maxSenders" || f == "readTimeout" ||
         f == "connectionTimeout";
}

// The value as the compiler types it; text that is not a plain value stays text, so that it
// shows as a difference (`${port:25}`, "yes", "025").
Value value_of(std::string_view field, std::string_view raw) {
  if (is_bool_field(field) && (raw == "true" || raw == "false")) return raw == "true";
  if (is_int_field(field) && !raw.empty() && (raw == "0" || raw[0] != '0')) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
    if (ec == std::errc() && end == raw.data() + raw.size() && raw[0] != '-') return n;
  }
  return std::string(raw);
}

struct Wanted {
  uint16_t field;
  Value after;
  std::string text;  // what the attribute must hold (a secret's value, in memory only)
};

// Whether the attribute already holds what `w` asks for, by the field's comparison rule.
bool satisfied(const ResourceType& type, const Wanted& w, std::string_view decoded) {
  const FieldSpec& f = type.fields[w.field];
  if (f.compare == Compare::Secret || decoded == w.text) return decoded == w.text;
  return values_match(f.compare, w.after, value_of(f.name, decoded));
}

// The text to write for each change of `a`; "" or the error.
std::string wanted_of(const std::string& path, const Action& a, const SecretValues& secrets,
                      std::vector<Wanted>& out) {
  for (const FieldChange& c : a.changes) {
    if (c.field >= a.type->fields.size()) return path + ": " + a.address() + ": unknown field";
    std::string_view name = a.type->fields[c.field].name;
    Wanted w{c.field, c.after, {}};
    if (const auto* b = std::get_if<bool>(&c.after)) {
      w.text = *b ? "true" : "false";
    } else if (const auto* i = std::get_if<int64_t>(&c.after)) {
      w.text = std::to_string(*i);
    } else if (const auto* s = std::get_if<std::string>(&c.after)) {
      w.text = *s;
    } else if (const auto* secret = std::get_if<SecretValue>(&c.after)) {
      auto it = secrets.find(secret->reference);
      if (it == secrets.end())
        return path + ": " + a.address() + ": secret " + secret->reference + " was not resolved";
      w.text = it->second;
    } else if (is_unset(c.after)) {
      continue;
    } else {
      return path + ": " + a.address() + ": field " + std::string(name) +
             " has a value an environment file cannot hold";
    }
    if (!xml::can_hold(w.text))
      return path + ": " + a.address() + ": the value of " + std::string(name) +
             " holds a character XML 1.0 cannot hold";
    out.push_back(std::move(w));
  }
  if (!xml::can_hold(a.name))
    return path + ": " + a.address() + ": the channel name holds a character XML cannot hold";
  std::sort(out.begin(), out.end(),
            [](const Wanted& x, const Wanted& y) { return x.field < y.field; });
  return "";
}

// The splices that make the existing connection `l` hold `wanted`: values replaced in place
// (same quote), missing attributes added after the last one.
std::vector<xml::Splice> update_splices(const Located& l, const ResourceType& type,
                                        const std::vector<Wanted>& wanted) {
  std::vector<xml::Splice> out;
  std::string added;
  for (const Wanted& w : wanted) {
    std::string name(type.fields[w.field].name);
    if (const xml::AttributeSpan* a = l.tag.find(name)) {
      if (satisfied(type, w, l.node.attribute(name.c_str()).value())) continue;
      out.push_back({a->value_pos, a->value_len, xml::escape_attribute(w.text, a->quote)});
    } else {
      added += " " + name + "=\"" + xml::escape_attribute(w.text) + "\"";
    }
  }
  if (!added.empty()) out.push_back({l.tag.after_attributes, 0, std::move(added)});
  return out;
}

// The splice that adds a new connection as the last child of <ChannelConnections> (itself
// added as the root's last child when missing), indented like its siblings.
std::string insert_splice(const std::string& path, std::string_view text, pugi::xml_node root,
                          const std::string& element, xml::Splice& out) {
  pugi::xml_node parent;
  for (pugi::xml_node cc : root.children("ChannelConnections")) parent = cc;
  std::vector<std::string> lines = {element};
  if (!parent) {
    parent = root;
    lines = {"<ChannelConnections>", std::string(kIndentUnit) + element, "</ChannelConnections>"};
  }
  std::string why;
  std::optional<xml::StartTag> tag = xml::scan_start_tag(text, offset_of(parent), &why);
  if (!tag) return at(path, text, offset_of(parent) - 1) + why;
  std::string parent_indent = xml::indentation_at(text, tag->open).value_or("");
  std::string child_indent = parent_indent + std::string(kIndentUnit);
  for (pugi::xml_node n = parent.last_child(); n; n = n.previous_sibling()) {
    if (n.type() != pugi::node_element) continue;
    child_indent = xml::indentation_at(text, offset_of(n) - 1).value_or(child_indent);
    break;
  }
  std::optional<xml::Splice> s = xml::append_children(
      text, *tag, lines, child_indent, parent_indent, xml::line_ending_of(text), &why);
  if (!s) return at(path, text, tag->open) + why;
  out = std::move(*s);
  return "";
}

}  // namespace

std::string EnvironmentFile::remove_connection(std::string& text, const Action& a) const {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (std::string e = parse(path_, text, doc, root); !e.empty()) return e;
  Located l = locate(path_, text, root, *a.type, a.name);
  if (!l.error.empty()) return l.error;
  if (!l.node) return "";  // already gone: what the removal wants
  std::string why;
  std::optional<xml::Splice> cut = xml::remove_element(text, l.tag, &why);
  if (!cut) return at(path_, text, l.tag.open) + why;
  std::string edited = xml::apply_splices(text, {std::move(*cut)});
  // Read the result back: a scanner mistake must fail the action, not corrupt the file.
  pugi::xml_document check;
  pugi::xml_node check_root;
  std::string e = parse(path_, edited, check, check_root);
  if (!e.empty() || locate(path_, edited, check_root, *a.type, a.name).node)
    return path_ + ": " + a.address() + ": internal error: the removal did not read back";
  text = std::move(edited);
  return "";
}

EnvironmentFile::EnvironmentFile(std::string path, Checkpoints checkpoints, FileSystem& files)
    : path_(std::move(path)), checkpoints_(std::move(checkpoints)), files_(files) {}

std::string EnvironmentFile::describe() const {
  return "environment file " + path_;
}

bool EnvironmentFile::manages(const ResourceType& type) const {
  return &type == &types::kMailChannel || &type == &types::kHttpChannel;
}

void EnvironmentFile::observe(const DesiredState& desired, ObservedState& into) {
  auto fail_all = [&](const std::string& error) {
    into.failed_types[std::string(types::kMailChannel.name)] = error;
    into.failed_types[std::string(types::kHttpChannel.name)] = error;
  };
  FileRead f = read_env_file(files_, path_);
  read_.reset();
  if (!f.error.empty()) return fail_all(f.error);
  read_ = Snapshot{f.exists, sha256_hex({f.content})};
  if (!f.exists) return;  // every channel absent
  if (std::optional<PreconditionCheck> check = permission_check(path_, f.status, desired))
    into.checks.push_back(std::move(*check));
  pugi::xml_document doc;
  pugi::xml_node root;
  if (std::string e = parse(path_, f.content, doc, root); !e.empty()) return fail_all(e);

  std::set<std::string> seen;
  // A channel the spec does not name is only listed (for review, for import): its password is
  // not fingerprinted, since PBKDF2 costs every plan time for each of another integration's
  // channels, and nothing compares it.
  auto observe_channel = [&](const ResourceType& type, const std::string& name, bool named) {
    Located l = locate(path_, f.content, root, type, name);
    if (!l.node && l.error.empty()) return;  // absent
    ObservedResource o;
    o.type = &type;
    o.name = name;
    o.values.assign(type.fields.size(), Value{Unset{}});
    if (!l.error.empty()) {
      o.presence = Presence::Unknown;
      o.error = l.error;
    } else {
      for (size_t i = 0; i < type.fields.size(); ++i) {
        const FieldSpec& field = type.fields[i];
        pugi::xml_attribute a = l.node.attribute(std::string(field.name).c_str());
        if (!a) continue;
        o.values[i] = field.compare == Compare::Secret
                          ? Value{SecretValue{
                                "", named ? secret_fingerprint(a.value(), desired.deployment) : ""}}
                          : value_of(field.name, a.value());
      }
    }
    into.resources.push_back(std::move(o));
  };
  for (const Resource& r : desired.resources) {
    if (!manages(*r.type) || !seen.insert(r.address()).second) continue;
    observe_channel(*r.type, r.name, true);
  }
  // The channels the spec does not name too: the plan shows the ones that concern Exchange for
  // review, and import writes them.
  for (pugi::xml_node cc : root.children("ChannelConnections"))
    for (pugi::xml_node n : cc.children()) {
      if (n.type() != pugi::node_element) continue;
      const ResourceType* type =
          n.name() == std::string_view("MailConnection")   ? &types::kMailChannel
          : n.name() == std::string_view("HTTPConnection") ? &types::kHttpChannel
                                                           : nullptr;
      std::string name = n.attribute("channel").value();
      if (!type || name.empty() || !seen.insert(make_address(*type, name)).second) continue;
      // Bound twice under two element names: the first name the file gives is the one listed.
      if (!seen
               .insert(make_address(
                   type == &types::kMailChannel ? types::kHttpChannel : types::kMailChannel, name))
               .second)
        continue;
      observe_channel(*type, name, false);
    }
}

std::vector<ActionResult> EnvironmentFile::apply(const Plan& plan,
                                                 std::span<const uint32_t> actions,
                                                 const SecretValues& secrets) {
  std::vector<ActionResult> results(actions.size());
  auto fail_all = [&](const std::string& error) {
    for (ActionResult& r : results)
      if (r.ok) r = ActionResult{false, error};
    return results;
  };
  if (files_.is_symbolic_link(path_))
    return fail_all(path_ + ": is a symbolic link; name the file itself");
  FileRead f = read_env_file(files_, path_);
  if (!f.error.empty()) return fail_all(f.error);
  if (read_ && (read_->exists != f.exists || read_->digest != sha256_hex({f.content})))
    return fail_all(path_ + " changed since it was read; run apply again");

  std::string text = f.content;
  for (size_t k = 0; k < actions.size(); ++k) {
    auto fail = [&](std::string error) { results[k] = ActionResult{false, std::move(error)}; };
    if (actions[k] >= plan.actions.size()) {
      fail(path_ + ": no action " + std::to_string(actions[k]) + " in the plan");
      continue;
    }
    const Action& a = plan.actions[actions[k]];
    if (!a.type || !manages(*a.type)) {
      fail(path_ + ": " + (a.type ? a.address() : "?") + " is not in the environment file");
      continue;
    }
    if (a.kind == ActionKind::NoOp) continue;
    if (a.kind == ActionKind::Remove) {
      if (std::string e = remove_connection(text, a); !e.empty()) fail(std::move(e));
      continue;
    }
    if (a.kind != ActionKind::Create && a.kind != ActionKind::Update) {
      fail(path_ + ": " + a.address() + ": cannot " + std::string(to_string(a.kind)) +
           " a connection in the environment file");
      continue;
    }
    std::vector<Wanted> wanted;
    if (std::string e = wanted_of(path_, a, secrets, wanted); !e.empty()) {
      fail(std::move(e));
      continue;
    }
    std::string base = text;
    if (base.empty() && !f.exists) {
      bool connections = path_.ends_with(".connections");
      base = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") +
             (connections ? "<Connections>\n</Connections>\n" : "<Environment>\n</Environment>\n");
    }
    pugi::xml_document doc;
    pugi::xml_node root;
    if (std::string e = parse(path_, base, doc, root); !e.empty()) {
      fail(std::move(e));
      continue;
    }
    Located l = locate(path_, base, root, *a.type, a.name);
    std::vector<xml::Splice> splices;
    if (!l.error.empty()) {
      fail(std::move(l.error));
      continue;
    }
    if (l.node) {
      splices = update_splices(l, *a.type, wanted);
    } else if (a.kind == ActionKind::Update) {
      fail(path_ + ": channel " + quoted(a.name) + " has no connection in the file to update");
      continue;
    } else {
      std::string element = "<" + std::string(element_of(*a.type)) + " channel=\"" +
                            xml::escape_attribute(a.name) + "\"";
      for (const Wanted& w : wanted)
        element += " " + std::string(a.type->fields[w.field].name) + "=\"" +
                   xml::escape_attribute(w.text) + "\"";
      element += "/>";
      splices.emplace_back();
      if (std::string e = insert_splice(path_, base, root, element, splices.back()); !e.empty()) {
        fail(std::move(e));
        continue;
      }
    }
    if (splices.empty()) continue;  // already there
    std::string edited = xml::apply_splices(base, std::move(splices));
    // Read the result back: a scanner mistake must fail the action, not corrupt the file.
    pugi::xml_document check;
    pugi::xml_node check_root;
    std::string e = parse(path_, edited, check, check_root);
    Located back = e.empty() ? locate(path_, edited, check_root, *a.type, a.name) : Located{};
    bool good = e.empty() && back.node && back.error.empty();
    for (const Wanted& w : wanted) {
      std::string name(a.type->fields[w.field].name);
      good = good && satisfied(*a.type, w, back.node.attribute(name.c_str()).value());
    }
    if (!good) {
      fail(path_ + ": " + a.address() + ": internal error: the edit did not read back");
      continue;
    }
    text = std::move(edited);
  }

  if (f.exists ? text == f.content : text.empty()) return results;  // nothing to write
  // Its owner made it read-only: a choice apply does not overrule by replacing the file.
  if (f.exists && (f.status.mode & S_IWUSR) == 0)
    return fail_all(path_ + ": " + read_only_text(f.status.mode) +
                    "; apply does not replace it: make it writable by its owner (chmod u+w) to "
                    "let apply change it");
  // Once more, as late as possible: an editor may have saved while the edits were made.
  FileRead again = read_env_file(files_, path_);
  if (!again.error.empty()) return fail_all(again.error);
  if (again.exists != f.exists || again.content != f.content)
    return fail_all(path_ + " changed since it was read; run apply again");
  // A killed apply may have left a temporary copy (with passwords) beside the file.
  remove_stale_temporaries(path_, files_);
  remove_stale_temporaries(path_ + ".bak", files_);
  if (f.exists) {
    // The copy holds the same passwords: never more open than owner read and write.
    std::string e = write_atomically(files_, path_ + ".bak", f.content,
                                     f.status.mode & kBackupModeMask, &f.status);
    if (!e.empty()) return fail_all(e);
    checkpoints_.at("environment file: backup written");
  }
  mode_t mode = f.exists ? f.status.mode : kNewFileMode;
  const FileStatus* owner = f.exists ? &f.status : nullptr;
  if (std::string e = write_atomically(files_, path_, text, mode, owner); !e.empty())
    return fail_all(e);
  checkpoints_.at("environment file: written");
  read_ = Snapshot{true, sha256_hex({text})};
  return results;
}

}  // namespace sd
