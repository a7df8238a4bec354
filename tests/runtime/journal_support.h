// A run to start in the journal's tests.
#pragma once

#include <string>
#include <utility>

#include "runtime/journal.h"

namespace sd::testing {

inline RunStart three_actions(std::string deployment = "acme-prod") {
  RunStart start;
  start.deployment = std::move(deployment);
  start.plan_id = "plan-1";
  start.spec_digest = "sha256:9f2c41d07e5b";
  start.holder = "alice@build-7 pid 4242";
  start.actions = "create nexj.target/EXCH01\nupdate nexj.mail_channel/Mail\ncreate x/y\n";
  start.action_count = 3;
  return start;
}

}  // namespace sd::testing
