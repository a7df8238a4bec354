// The preconditions checked before any plan that reads live state: a TLS probe of the NexJ URL
// and of each EWS endpoint (handshake, chain, host name, days to expiry). A failed one stops
// apply before any change; under 30 days to expiry is a warning.
#pragma once

#include <string>
#include <vector>

#include "plan/observed_state.h"
#include "runtime/http/https_url.h"
#include "spec/spec.h"

namespace sd {

inline constexpr int kExpiryWarningDays = 30;

// One check per distinct endpoint, in spec order: nexj.url, then each server's ewsUrl. The
// probes run at the same time. `default_ca_file` stands for the system roots where the spec
// names no caFile (the value of SSL_CERT_FILE, or empty).
[[nodiscard]] std::vector<PreconditionCheck> check_preconditions(
    const Spec& spec, const std::string& spec_path, const std::vector<http::ConnectTo>& connect_to,
    const std::string& default_ca_file = {});

}  // namespace sd
