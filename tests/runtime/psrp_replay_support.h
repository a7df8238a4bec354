// Replays of recorded PSRP traffic (tests/data/psrp-captures, from pypsrp): the WinRS replay
// server with a request shape that reads the PSRP inside. creationXml, rsp:Arguments and Send
// streams become their fragments (object and fragment ids, start and end) and, once a message
// is whole, its destination, type, ids and CLIXML (read and written again, so that formatting,
// BOM and RefId numbering do not count, but every value does).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "winrs_replay_support.h"

namespace sd::test {

// A new shaper: remembers fragments across the requests it is shown; `recorded` for the
// recording's side (see psrp_dotnet_reading in the .cc).
[[nodiscard]] std::function<std::string(std::string_view)> new_psrp_shaper(bool recorded);

[[nodiscard]] ReplaySettings psrp_replay(std::vector<size_t> skipped = {});

// The ids the recorded client used, in the order it chose them: the RunspacePool id of each
// Create's messages, and the pipeline id of each CREATE_PIPELINE (as .NET reads the bytes).
[[nodiscard]] std::vector<std::string> recorded_psrp_ids(
    const std::vector<RecordedExchange>& recording);

// The PEM of the RSA key pypsrp's tests use for the key exchange (its test_powershell.py).
[[nodiscard]] std::string recorded_psrp_client_key();

}  // namespace sd::test
