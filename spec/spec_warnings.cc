#include "spec/spec_warnings.h"

namespace sd {

std::vector<SpecWarning> spec_warnings(const Spec& spec) {
  std::vector<SpecWarning> out;
  if (spec.exchange.management.auth == AuthMethod::Basic)
    out.push_back({"exchange.management.auth is basic",
                   "the password crosses the network in every request (base64, inside TLS); "
                   "Exchange turns Basic off by default: prefer negotiate"});
  if (spec.exchange.serviceAccount.auth == AuthMethod::Basic)
    out.push_back({"exchange.serviceAccount.auth is basic",
                   "the password crosses the network in every EWS request (base64, inside TLS); "
                   "Exchange turns Basic off on EWS by default: prefer negotiate"});
  return out;
}

}  // namespace sd
