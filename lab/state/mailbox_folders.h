// The folders every lab mailbox has, and the ids the lab gives folders: base64 like Exchange's
// ("AAMkA..." for a folder id, "AQAAABYAAAA..." for a change key), derived from the mailbox and
// the folder so that they are stable across restarts and reloads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

// The distinguished folders a new mailbox gets, msgfolderroot first (its parent is "").
// `smtp` is the mailbox address (any case: ids use it in lower case).
[[nodiscard]] std::vector<LabFolder> distinguished_folders(std::string_view smtp);

// A custom folder named `display_name` under `parent_id`.
[[nodiscard]] LabFolder custom_folder(std::string_view smtp, const std::string& parent_id,
                                      const std::string& display_name,
                                      const std::string& folder_class);

// The distinguished folder ids the EWS schema allows (DistinguishedFolderIdNameType).
[[nodiscard]] bool is_schema_distinguished_id(std::string_view id);

}  // namespace sd::lab
