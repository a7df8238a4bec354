// No password reaches any output when authentication fails: stdout, stderr, the saved plan and
// every file apply leaves (store, journal, environment file, backups), in plain text and base64.
// The lab refuses the canary passwords, over NTLM and over Basic.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/base64.h"
#include "tests/cli/exchange_support.h"

using namespace sd::test;

namespace {

const std::string kSyncCanary = "CANARY-sync-5d1c";
const std::string kAdminCanary = "CANARY-admin-9b2e";

// The ways a secret could appear: as is, and base64 alone or after "user:" (Basic's form).
std::vector<std::string> canary_encodings() {
  std::vector<std::string> out = {kSyncCanary, kAdminCanary};
  for (const std::string& text :
       {kSyncCanary, kAdminCanary, "nexj-sync@example.local:" + kSyncCanary,
        "EXAMPLE\\deploy-admin:" + kAdminCanary}) {
    std::string encoded = sd::base64_encode(text);
    out.push_back(encoded.substr(0, encoded.size() - 4));  // padding-free prefix
  }
  return out;
}

void check_no_secret(const std::string& what, const std::string& text) {
  for (const std::string& secret : canary_encodings()) {
    INFO(what << " holds " << secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

std::string whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("auth: refused NTLM and Basic passwords appear in no output, plan or file",
          "[e2e][auth]") {
  for (const char* auth : {"ntlm", "basic"}) {
    INFO("serviceAccount.auth " << auth);
    RunningLab lab(quickstart_lab_directory({"jsmith@example.com", "mlee@example.com"}));
    Workspace w("examples/quickstart.yaml");
    std::string spec = whole_file(w.spec());
    size_t at = spec.find("    auth: kerberos                          # EWS too");
    REQUIRE(at != std::string::npos);
    spec.replace(at, spec.find('\n', at) - at, std::string("    auth: ") + auth);
    w.write("quickstart.yaml", spec);
    const std::map<std::string, std::string> secrets = {{"NEXJ_SYNC_PASSWORD", kSyncCanary},
                                                        {"EXCH_ADMIN_PASSWORD", kAdminCanary}};
    CliRun plan = run_in_lab(lab, plan_args(w, {"-out", w.path("saved.plan.json")}), secrets);
    CHECK(contains(plan.err + plan.out, "nexj-sync@example.local"));  // the account is named
    check_no_secret("plan stdout", plan.out);
    check_no_secret("plan stderr", plan.err);
    CliRun apply = run_in_lab(lab, apply_args(w), secrets);
    check_no_secret("apply stdout", apply.out);
    check_no_secret("apply stderr", apply.err);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(w.dir()))
      if (entry.is_regular_file() && entry.path().filename() != "quickstart.yaml")
        check_no_secret(entry.path().string(), whole_file(entry.path()));
  }
}
