// The Exchange versions syncdeploy knows: the spec names one, the EWS messages and the
// PowerShell it sends follow it. Here so that protocol/ need not include the spec.
#pragma once

namespace sd {

enum class ExchangeVersion {
  Exchange2010,
  Exchange2013,
  Exchange2016,
  Exchange2019,
  ExchangeOnline
};

// The spec's spelling (schema/spec.schema.json), which plans and docs reuse: "Exchange2019".
[[nodiscard]] const char* to_string(ExchangeVersion v);

}  // namespace sd
