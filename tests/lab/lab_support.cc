#include "tests/lab/lab_support.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "protocol/soap.h"

namespace sd::test {

const std::string_view kTestDirectory = R"(hostnames: [exch01.example.local]
accounts:
  - upn: nexj-sync@example.local
    password: lab-password
    impersonation: all
  - upn: limited@example.local
    password: pw-limited
    impersonation: [jsmith@example.com]
  - upn: nobody@example.local
    password: pw-nobody
  - upn: bulk@example.local
    password: pw-bulk
    impersonation: all
    throttling: unlimited
mailboxes:
  - smtp: jsmith@example.com
    name: John Smith
    folders: [CRM Sync]
  - smtp: mlee@example.com
    name: Mary Lee
  - smtp: limited@example.local
    name: Limited
contacts: [ext@partner.com]
throttling: {maxConcurrency: 27, burst: 1000, rechargePerSecond: 500}
)";

const std::string_view kAdminDirectory = R"(hostnames: [exch01.example.local]
accounts:
  - upn: nexj-sync@example.local
    password: lab-password
    impersonation: all
  - upn: deploy-admin@example.local
    password: admin-pw
    management: true
mailboxes:
  - smtp: jsmith@example.com
    name: John Smith
  - smtp: mlee@example.com
    name: Mary Lee
)";

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sdlab-XXXXXX").string();
  dir_ = ::mkdtemp(pattern.data());
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string ScratchDir::path(std::string_view relative) const {
  return dir_ + "/" + std::string(relative);
}

std::string ScratchDir::write(std::string_view relative, std::string_view content) const {
  std::string file = path(relative);
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

TestLab::TestLab() {
  std::string directory = dir.write("directory.yaml", kTestDirectory);
  Result<std::unique_ptr<lab::LabState>> opened = lab::LabState::open(state_file, directory);
  if (!opened.ok()) FAIL(opened.errors().front().format());
  state = std::move(*opened);
}

std::unique_ptr<lab::LabState> reopen(const std::string& state_file) {
  Result<std::unique_ptr<lab::LabState>> opened = lab::LabState::open(state_file, "");
  if (!opened.ok()) FAIL(opened.errors().front().format());
  return std::move(*opened);
}

std::string ews_request(std::string_view body, std::string_view impersonate,
                        std::string_view version) {
  std::string header;
  if (!version.empty())
    header += "<t:RequestServerVersion Version=\"" + std::string(version) + "\"/>";
  if (!impersonate.empty())
    header += "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>" +
              soap::xml_escape(impersonate) +
              "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>";
  return soap::envelope(header, body);
}

}  // namespace sd::test
