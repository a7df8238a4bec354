// What a valid spec asks for that works but is weaker than it could be. Not errors: a plan
// shows them as warnings among its checks (engine/plan_session.cc), and apply goes ahead.
#pragma once

#include <string>
#include <vector>

#include "spec/spec.h"

namespace sd {

struct SpecWarning {
  std::string subject;  // "exchange.management.auth is basic"
  std::string detail;   // why it matters and what to do instead
};

// Basic authentication, to WinRM (exchange.management.auth) or to EWS
// (exchange.serviceAccount.auth), in spec order.
[[nodiscard]] std::vector<SpecWarning> spec_warnings(const Spec& spec);

}  // namespace sd
