#include "spec/spec.h"

namespace sd {

// The spellings below are the spec's own (schema/spec.schema.json); plans and docs reuse them.

const char* to_string(Folder f) {
  switch (f) {
    case Folder::Calendar:
      return "calendar";
    case Folder::Tasks:
      return "tasks";
    case Folder::Contacts:
      return "contacts";
  }
  return "?";
}

const char* to_string(Subscription s) {
  switch (s) {
    case Subscription::Push:
      return "push";
    case Subscription::Streaming:
      return "streaming";
  }
  return "?";
}

const char* to_string(AuthMethod a) {
  switch (a) {
    case AuthMethod::Negotiate:
      return "negotiate";
    case AuthMethod::Kerberos:
      return "kerberos";
    case AuthMethod::Ntlm:
      return "ntlm";
    case AuthMethod::Basic:
      return "basic";
    case AuthMethod::Certificate:
      return "certificate";
  }
  return "?";
}

}  // namespace sd
