// The NexJ environment file (`nexj.environmentFile`) as a live system: the MailConnection and
// HTTPConnection elements of <ChannelConnections> are nexj.mail_channel and nexj.http_channel.
// Edits are spliced into the original bytes; nothing the spec does not manage changes, not
// even whitespace. Behaviour and messages: docs/environment-file.md.
#pragma once

#include <optional>
#include <string>

#include "base/checkpoints.h"
#include "base/file_system.h"
#include "runtime/live_system.h"

namespace sd {

class EnvironmentFile : public LiveSystem {
 public:
  // `path` as it is opened (relative to the working directory). A name ending in
  // ".connections" gets a <Connections> root when the file has to be created. Every read and
  // write goes through `files`.
  explicit EnvironmentFile(std::string path, Checkpoints checkpoints = {},
                           FileSystem& files = real_file_system());

  [[nodiscard]] std::string describe() const override;  // "environment file <path>"
  [[nodiscard]] bool manages(const ResourceType& type) const override;

  // Lists the connections of the channels `desired` names. A missing file holds nothing
  // (every channel absent); a file that cannot be read or parsed fails both types.
  void observe(const DesiredState& desired, ObservedState& into) override;

  // Creates and updates connections. Refuses to write when the file changed since observe()
  // read it. Writes "<path>.bak" (the previous bytes) first, then the new file; nothing at
  // all when every change is already there.
  [[nodiscard]] std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                                const SecretValues& secrets) override;

 private:
  // Takes the connection of a Remove action out of `text` (nothing when it is already gone);
  // returns "" or the error.
  [[nodiscard]] std::string remove_connection(std::string& text, const Action& a) const;
  struct Snapshot {
    bool exists = false;
    std::string digest;  // of the bytes read
  };

  std::string path_;
  Checkpoints checkpoints_;
  FileSystem& files_;
  std::optional<Snapshot> read_;  // what the last observe() (or apply()) saw
};

}  // namespace sd
