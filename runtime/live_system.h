// A live system the runtime reads and changes: the NexJ environment file, the NexJ
// configuration store (and, later, Exchange). The executor and the CLI see only this interface;
// tests pass their own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "spec/secrets.h"

namespace sd {

struct ActionResult {
  bool ok = true;
  // When !ok: one line that says what failed and where (file, table), never a secret value.
  std::string error;
};

class LiveSystem {
 public:
  virtual ~LiveSystem() = default;

  // For messages, e.g. "environment file env/quickstart.environment".
  [[nodiscard]] virtual std::string describe() const = 0;

  // The resource types whose objects live here.
  [[nodiscard]] virtual bool manages(const ResourceType& type) const = 0;

  // Reads the live objects of every managed type, in bulk (one read per type, never one per
  // object), and appends them to `into`: each present object with a value for every field it
  // has (Unset for fields the live object does not carry). Objects the spec names that are
  // not there are simply not listed (absent). Every object of types that can be disabled when
  // they leave the spec (targets, folder links) is listed, named in the spec or not. When a
  // type cannot be read, `into.failed_types[type name]` gets the error and nothing of that
  // type is listed: a failed read is never taken for absent. Never changes anything.
  virtual void observe(const DesiredState& desired, ObservedState& into) = 0;

  // Executes plan.actions[i] for each i of `actions` (Create, Update or Disable of managed
  // types, in plan order; whatever they depend on is already done). Returns one result per
  // action, in the same order. Each action is idempotent: if its effect is already live it
  // succeeds. The write is atomic as far as the system allows (one transaction; one rename),
  // so that a crash leaves every action either done or not done. Secret fields are written
  // from `secrets` by their reference; a reference missing there fails that action.
  [[nodiscard]] virtual std::vector<ActionResult> apply(const Plan& plan,
                                                        std::span<const uint32_t> actions,
                                                        const SecretValues& secrets) = 0;
};

}  // namespace sd
