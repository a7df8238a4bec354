// The lab's OPATH recipient filters (lab/exchange/opath_filter.h), as `Get-Mailbox -Filter` and
// `New-ManagementScope -RecipientRestrictionFilter` take them from a script: parsed, then
// matched against a recipient (-like wildcards included). Any text gives a filter or an error
// naming the position; nothing crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lab/exchange/opath_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sd::Result<sd::lab::OpathFilter> filter = sd::lab::OpathFilter::parse(text);
  if (!filter.ok()) {
    for (const sd::Error& error : filter.errors()) (void)error.format();
    return 0;
  }
  static const sd::lab::LabRecipient recipient = [] {
    sd::lab::LabRecipient r;
    r.name = r.alias = r.sam_account_name = "jsmith";
    r.upn = r.primary_smtp = "jsmith@example.com";
    r.distinguished_name = "CN=jsmith,OU=Sales,DC=example,DC=local";
    r.database = "DB01";
    r.member_of = {"CN=Sync Users,OU=Groups,DC=example,DC=local"};
    r.attributes = {{"City", "Toronto"}, {"Department", "Sales"}, {"CustomAttribute1", "sync"}};
    return r;
  }();
  (void)filter->matches(recipient);
  return 0;
}
