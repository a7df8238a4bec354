// The Exchange versions syncdeploy knows: the spec names one, the EWS messages and the
// PowerShell it sends follow it. Here so that protocol/ need not include the spec.
#pragma once

namespace sd {

// A version takes what the one before it takes unless code singles it out (Exchange2010: its own
// throttling parameters, push only, its own RequestServerVersion). Exchange SE has the cmdlets
// and the EWS of Exchange 2019 CU15.
enum class ExchangeVersion {
  Exchange2010,
  Exchange2013,
  Exchange2016,
  Exchange2019,
  ExchangeSE,
  // Never in a valid spec: the schema refuses it, with the reason (schema/spec.schema.json,
  // x-refused). Kept while plan/ and engine/ still have branches that name it.
  ExchangeOnline
};

// The spec's spelling (schema/spec.schema.json), which plans and docs reuse: "Exchange2019".
[[nodiscard]] const char* to_string(ExchangeVersion v);

}  // namespace sd
