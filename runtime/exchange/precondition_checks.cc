#include "runtime/exchange/precondition_checks.h"

#include <future>
#include <set>

#include "base/source_files.h"
#include "runtime/http/tls_probe.h"

namespace sd {
namespace {

struct Probe {
  std::string name;
  std::string url;
  std::string ca_file;
};

PreconditionCheck run_probe(const Probe& p, const std::vector<http::ConnectTo>& connect_to) {
  PreconditionCheck check;
  check.endpoint = p.url;
  Result<http::HttpsUrl> url = http::parse_https_url(p.url);
  check.name = p.name + " (" + (url.ok() ? url->authority() : p.url) + ")";
  if (!url.ok()) {
    check.status = PreconditionCheck::Status::Failed;
    check.detail = url.errors().front().message;
    return check;
  }
  http::TlsProbeResult r = http::probe_tls(*url, p.ca_file, connect_to);
  if (!r.ok) {
    check.status = PreconditionCheck::Status::Failed;
    check.detail = r.error;
    return check;
  }
  int days = r.days_to_expiry.value_or(0);
  if (days < kExpiryWarningDays) {
    check.status = PreconditionCheck::Status::Warning;
    check.detail = "the certificate expires in " + std::to_string(days) +
                   (days == 1 ? " day" : " days") + ": renew it";
    return check;
  }
  check.detail = "verified; the certificate is valid for " + std::to_string(days) + " more days";
  return check;
}

}  // namespace

std::vector<PreconditionCheck> check_preconditions(const Spec& spec, const std::string& spec_path,
                                                   const std::vector<http::ConnectTo>& connect_to,
                                                   const std::string& default_ca_file) {
  auto ca = [&](const std::string& file) {
    return file.empty() ? default_ca_file : resolve_relative(spec_path, file);
  };
  std::vector<Probe> probes;
  if (!spec.nexj.url.empty())
    probes.push_back({"TLS of nexj.url", spec.nexj.url, ca(spec.nexj.caFile)});
  std::set<std::string> seen;
  for (const ExchangeServer& s : spec.exchange.servers)
    if (seen.insert(s.ewsUrl).second)
      probes.push_back({"TLS of EWS on " + s.name, s.ewsUrl, ca(spec.exchange.caFile)});

  std::vector<std::future<PreconditionCheck>> running;
  running.reserve(probes.size());
  for (const Probe& p : probes)
    running.push_back(
        std::async(std::launch::async, [&p, &connect_to] { return run_probe(p, connect_to); }));
  std::vector<PreconditionCheck> out;
  out.reserve(running.size());
  for (auto& f : running) out.push_back(f.get());
  return out;
}

}  // namespace sd
