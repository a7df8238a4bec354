#include "compiler/spec.h"

namespace sd {

// The spellings below are the spec's own (schema/spec.schema.json); plans and docs reuse them.

const char* to_string(ExchangeVersion v) {
  switch (v) {
    case ExchangeVersion::Exchange2010:
      return "Exchange2010";
    case ExchangeVersion::Exchange2013:
      return "Exchange2013";
    case ExchangeVersion::Exchange2016:
      return "Exchange2016";
    case ExchangeVersion::Exchange2019:
      return "Exchange2019";
    case ExchangeVersion::ExchangeOnline:
      return "ExchangeOnline";
  }
  return "?";
}

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

}  // namespace sd
