// The lab's PowerShell values as remote PowerShell carries them, both ways: what a cmdlet
// outputs becomes the deserialized object a client sees (Props with the object's properties,
// ToString its [string]), and what a client sends as parameters and input becomes the lab's
// values (a SecureString decrypted with the session key). Error records have the shape
// Windows sends (the JEA recording of tests/data/psrp-captures).
#pragma once

#include <optional>

#include "base/error.h"
#include "lab/powershell/powershell_error_record.h"
#include "lab/powershell/powershell_values.h"
#include "protocol/psrp/clixml_value.h"
#include "protocol/psrp/secure_string.h"

namespace sd::lab {

[[nodiscard]] psrp::Value to_psrp(const PsValue& value);

// Errors: a SecureString without a session key, or one that does not decrypt.
[[nodiscard]] Result<PsValue> from_psrp(const psrp::Value& value,
                                        const std::optional<psrp::SessionKey>& key);

// An ErrorRecord object: the exception (its type from the category's reason), the ids, the
// category fields, the failing command in InvocationInfo.
[[nodiscard]] psrp::Value error_record_value(const PsErrorRecord& record,
                                             std::string_view target = {});

}  // namespace sd::lab
