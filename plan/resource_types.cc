// The table of resource types and their fields. Field names are the spec's names where the
// spec has the field; the comparison rule of each field lives here, next to it.
#include <array>

#include "base/text_checks.h"
#include "plan/resource.h"

namespace sd {
namespace {

using C = Compare;

constexpr FieldSpec kServiceAccountFields[] = {
    {"upn", C::IgnoreCase},
    {"password", C::Secret},  // managed only when serviceAccount.create is true
};
constexpr FieldSpec kManagementScopeFields[] = {
    {"recipientFilter", C::Exact},
    {"recipientRoot", C::IgnoreCase},
};
constexpr FieldSpec kRoleAssignmentFields[] = {
    {"role", C::IgnoreCase},
    {"user", C::IgnoreCase},
    {"customRecipientWriteScope", C::IgnoreCase},
    {"enabled", C::Exact},
};
constexpr FieldSpec kAdPermissionFields[] = {
    {"user", C::IgnoreCase},
    {"appliesTo", C::Exact},  // "client access servers" or "mailbox databases"
};
constexpr FieldSpec kThrottlingPolicyFields[] = {
    {"ewsMaxConcurrency", C::Limit},
    {"ewsMaxSubscriptions", C::Limit},
    {"ewsMaxBurst", C::Limit},
    {"ewsRechargeRate", C::Limit},
    {"ewsCutoffBalance", C::Limit},
    {"ewsPercentTimeInAD", C::Limit},
    {"ewsPercentTimeInCAS", C::Limit},
    {"ewsPercentTimeInMailboxRPC", C::Limit},
    {"ewsFastSearchTimeoutInSeconds", C::Limit},
    {"ewsFindCountLimit", C::Limit},
};
constexpr FieldSpec kThrottlingAssociationFields[] = {
    {"policy", C::IgnoreCase},
};
constexpr FieldSpec kMailChannelFields[] = {
    {"description", C::Exact},   {"alias", C::Exact},         {"user", C::Exact},
    {"password", C::Secret},     {"from", C::IgnoreCase},     {"domain", C::IgnoreCase},
    {"authComponent", C::Exact}, {"enabled", C::Exact},       {"inHost", C::IgnoreCase},
    {"inPort", C::Exact},        {"inProtocol", C::Exact},    {"inFolder", C::Exact},
    {"inEncryption", C::Exact},  {"outHost", C::IgnoreCase},  {"outPort", C::Exact},
    {"outProtocol", C::Exact},   {"outEncryption", C::Exact}, {"outAuthentication", C::Exact},
};
constexpr FieldSpec kHttpChannelFields[] = {
    {"description", C::Exact}, {"url", C::IgnoreCase},    {"authentication", C::Exact},
    {"user", C::IgnoreCase},   {"password", C::Secret},   {"secure", C::Exact},
    {"maxSenders", C::Exact},  {"readTimeout", C::Exact}, {"connectionTimeout", C::Exact},
};
constexpr FieldSpec kTargetFields[] = {
    {"host", C::IgnoreCase},
    {"nexjUrl", C::Exact},
    {"version", C::Exact},
    {"subscription", C::Exact},
    {"autodiscover", C::Exact},
    {"useInternalCAS", C::Exact},
    {"keepItemsOlderThanDays", C::Exact},
    {"sender", C::Exact},
    {"receiver", C::Exact},
    {"enabled", C::Exact},
};
constexpr FieldSpec kGlobalOptionsFields[] = {
    {"batchSyncSetup.enabled", C::Exact},
    {"batchSyncSetup.startTime", C::Exact},
    {"batchSyncSetup.periodMinutes", C::Exact},
    {"batchSyncSetup.activationAttempts", C::Exact},
    {"batchSyncSetup.initialSnapshot.daysInPast", C::Exact},
    {"batchSyncSetup.initialSnapshot.daysInFuture", C::Exact},
    {"autodiscover.enabled", C::Exact},
    {"autodiscover.startTime", C::Exact},
    {"autodiscover.periodMinutes", C::Exact},
    {"restrictions.customizedOccurrences", C::Exact},
    {"forContactInboundSync.assignedToUsersThreshold", C::Exact},
    {"realtimeSync", C::Exact},  // "running" or "paused"
    {"emailBlacklist", C::Set},
};
constexpr FieldSpec kUserOptionsFields[] = {
    {"enableDisplayOfExternalContacts", C::Exact},
    {"enableInboundForContactSynchronization", C::Exact},
    {"enableInboundSyncForPrivateMeetings", C::Exact},
    {"enableMeetingAlarmSynchronization", C::Exact},
    {"enableRelatedInfoNotes", C::Exact},
    {"enableSecurityCheckOnInboundForContactSync", C::Exact},
};
constexpr FieldSpec kFolderLinkFields[] = {
    {"target", C::Exact},
    {"email", C::IgnoreCase},
    {"enabled", C::Exact},
    // Not in the spec: EWS resolves it when the link is made or moved (or with --refresh); not
    // managed when the mailbox was not asked because the id is known.
    {"folderId", C::Exact, true, "email"},
};

// The index of the field named "enabled", or -1: where a disable writes false.
template <size_t N>
constexpr int enabled_index(const FieldSpec (&fields)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (fields[i].name == "enabled") return static_cast<int>(i);
  return -1;
}

}  // namespace

namespace types {
const ResourceType kServiceAccount{
    .name = "exchange.service_account",
    .step = 1,
    .side = Side::Exchange,
    .fields = kServiceAccountFields,
    .summary = "Exchange account that NexJ impersonates mailboxes with",
    .names_ignore_case = true,
};
const ResourceType kManagementScope{
    .name = "exchange.management_scope",
    .step = 1,
    .side = Side::Exchange,
    .fields = kManagementScopeFields,
    .risky = true,
    .summary = "recipient scope that limits impersonation",
    .names_ignore_case = true,
};
const ResourceType kRoleAssignment{
    .name = "exchange.role_assignment",
    .step = 1,
    .side = Side::Exchange,
    .fields = kRoleAssignmentFields,
    .risky = true,
    .enabled_field = enabled_index(kRoleAssignmentFields),
    .summary = "ApplicationImpersonation role assigned to the service account",
    .names_ignore_case = true,
};
const ResourceType kAdPermission{
    .name = "exchange.ad_permission",
    .step = 1,
    .side = Side::Exchange,
    .fields = kAdPermissionFields,
    .risky = true,
    .summary = "AD extended right for impersonation (the method NexJ documents)",
    .names_ignore_case = true,
};
const ResourceType kThrottlingPolicy{
    .name = "exchange.throttling_policy",
    .step = 2,
    .side = Side::Exchange,
    .fields = kThrottlingPolicyFields,
    .risky = true,
    .summary = "throttling policy with lifted EWS limits",
    .names_ignore_case = true,
};
const ResourceType kThrottlingAssociation{
    .name = "exchange.throttling_association",
    .step = 2,
    .side = Side::Exchange,
    .fields = kThrottlingAssociationFields,
    .risky = true,
    .summary = "throttling policy assigned to the account",
    .names_ignore_case = true,
};
const ResourceType kMailChannel{
    .name = "nexj.mail_channel",
    .step = 3,
    .side = Side::Nexj,
    .fields = kMailChannelFields,
    .enabled_field = enabled_index(kMailChannelFields),
    .summary = "MailConnection in the NexJ environment file",
};
const ResourceType kHttpChannel{
    .name = "nexj.http_channel",
    .step = 3,
    .side = Side::Nexj,
    .fields = kHttpChannelFields,
    .summary = "HTTPConnection (EWS sender or notification receiver)",
};
const ResourceType kTarget{
    .name = "nexj.target",
    .step = 4,
    .side = Side::Nexj,
    .fields = kTargetFields,
    .disable_when_removed = true,
    .enabled_field = enabled_index(kTargetFields),
    .summary = "synchronization target for one Exchange server",
};
const ResourceType kGlobalOptions{
    .name = "nexj.global_options",
    .step = 5,
    .side = Side::Nexj,
    .fields = kGlobalOptionsFields,
    .summary = "global Exchange synchronization options",
};
const ResourceType kUserOptions{
    .name = "nexj.user_options",
    .step = 6,
    .side = Side::Nexj,
    .fields = kUserOptionsFields,
    .summary = "user options for one personalization scope",
};
const ResourceType kFolderLink{
    .name = "nexj.folder_link",
    .step = 7,
    .side = Side::Nexj,
    .fields = kFolderLinkFields,
    .enabled_field = enabled_index(kFolderLinkFields),
    .summary = "link from a user to one Exchange folder",
    .names_ignore_case = true,
};
}  // namespace types

std::span<const ResourceType* const> all_resource_types() {
  static const std::array<const ResourceType*, 12> kAll = {
      &types::kServiceAccount, &types::kManagementScope,  &types::kRoleAssignment,
      &types::kAdPermission,   &types::kThrottlingPolicy, &types::kThrottlingAssociation,
      &types::kMailChannel,    &types::kHttpChannel,      &types::kTarget,
      &types::kGlobalOptions,  &types::kUserOptions,      &types::kFolderLink};
  return kAll;
}

const ResourceType* find_resource_type(std::string_view name) {
  for (const ResourceType* t : all_resource_types())
    if (t->name == name) return t;
  return nullptr;
}

int field_index(const ResourceType& type, std::string_view field) {
  for (size_t i = 0; i < type.fields.size(); ++i)
    if (type.fields[i].name == field) return static_cast<int>(i);
  return -1;
}

std::string make_address(const ResourceType& type, std::string_view name) {
  std::string out;
  out.reserve(type.name.size() + 1 + name.size());
  out.append(type.name).append("/").append(name);
  return out;
}

std::string address_key(const ResourceType& type, std::string_view name) {
  if (!type.names_ignore_case) return make_address(type, name);
  return make_address(type, to_lower_ascii(name));
}

const Value& field_of(const ResourceType& type, const std::vector<Value>& values,
                      std::string_view field) {
  static const Value kUnset{Unset{}};
  int i = field_index(type, field);
  if (i < 0 || static_cast<size_t>(i) >= values.size()) return kUnset;
  return values[static_cast<size_t>(i)];
}

std::string text_field(const ResourceType& type, const std::vector<Value>& values,
                       std::string_view field) {
  const auto* s = std::get_if<std::string>(&field_of(type, values, field));
  return s ? *s : std::string();
}

bool DesiredState::names(const ResourceType& type, std::string_view name) const {
  auto same = [&type, name](std::string_view other) {
    return type.names_ignore_case ? iequals(other, name) : other == name;
  };
  for (const Resource& r : resources)
    if (r.type == &type && same(r.name)) return true;
  for (const Removal& r : removals)
    if (r.type == &type && same(r.name)) return true;
  return false;
}

std::string Resource::address() const {
  return make_address(*type, name);
}

}  // namespace sd
