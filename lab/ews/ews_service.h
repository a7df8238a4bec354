// One EWS request in, one answer out (status, headers, body), the way Exchange answers
// (exchange-protocols.md §3): GetFolder, FindFolder, CreateFolder and ResolveNames, with the
// header checks Exchange makes first (RequestServerVersion, ExchangeImpersonation). Pure apart
// from the LabState it reads and writes; safe to call from many threads at once.
#pragma once

#include <string>
#include <string_view>

#include "lab/ews/ews_responses.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

class EwsService {
 public:
  explicit EwsService(LabState& state) : state_(state) {}

  // `account_upn`: who logged in (HTTP Basic), as LabState::authenticate returned it.
  [[nodiscard]] HttpAnswer handle(const std::string& account_upn, std::string_view body) const;

 private:
  LabState& state_;
};

}  // namespace sd::lab
