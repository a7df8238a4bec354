#include "base/exchange_version.h"

namespace sd {

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
    case ExchangeVersion::ExchangeSE:
      return "ExchangeSE";
    case ExchangeVersion::ExchangeOnline:
      return "ExchangeOnline";
  }
  return "?";
}

}  // namespace sd
