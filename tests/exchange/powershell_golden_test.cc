// The scripts of whole specs, compared byte for byte with tests/data/powershell/<spec>.ps1
// (the export of a plan where nothing exists yet) and <spec>.observe.ps1 (the read script).
// UPDATE_GOLDEN=1 rewrites them; review the diff: that review is the test.
#include <catch2/catch.hpp>

#include "base/disk_files.h"
#include "exchange/exchange_scripts.h"
#include "plan/desired_state.h"
#include "spec/load_spec.h"
#include "tests/cli/golden_support.h"

using namespace sd;

TEST_CASE("PowerShell of whole specs matches the golden scripts", "[powershell-golden]") {
  for (const char* name : {"exchange2010", "exchange2016", "extended-rights"}) {
    DYNAMIC_SECTION(name) {
      const std::string base = std::string("tests/data/powershell/") + name;
      Result<LoadedSpec> loaded = load_spec(base + ".yaml", DiskFiles());
      if (!loaded.ok()) FAIL(format_all(loaded.errors()));
      const ExchangeVersion version = loaded->spec.exchange.version;
      DesiredState desired = build_desired_state(loaded->spec, {});
      CHECK(test::check_golden(base + ".observe.ps1", observe_script(desired, version)) == "");
      Plan plan = make_plan(std::move(desired), ObservedState{}, {});
      CHECK(test::check_golden(base + ".ps1", render_powershell(plan, version)) == "");
    }
  }
}

TEST_CASE("2010 and 2016 specs get their own parameter sets", "[powershell-golden]") {
  std::optional<std::string> old = test::read_text("tests/data/powershell/exchange2010.ps1");
  std::optional<std::string> current = test::read_text("tests/data/powershell/exchange2016.ps1");
  REQUIRE(old);
  REQUIRE(current);
  CHECK(old->find("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n") !=
        std::string::npos);
  CHECK(old->find("-EWSMaxConcurrency $null") != std::string::npos);
  CHECK(old->find("-ThrottlingPolicyScope") == std::string::npos);
  CHECK(old->find("'Unlimited'") == std::string::npos);
  CHECK(current->find("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n") !=
        std::string::npos);
  CHECK(current->find("-ThrottlingPolicyScope 'Regular' -EwsMaxConcurrency 'Unlimited'") !=
        std::string::npos);
  CHECK(current->find("EWSPercentTimeIn") == std::string::npos);
}
