# syncdeploy export --powershell: deployment "golden-2016", Exchange2016
# Review before running. Passwords are asked for with Read-Host.
$ErrorActionPreference = 'Stop'
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn
# create exchange.management_scope/NexJ Synced Users: does not exist
#   recipientFilter = "MemberOfGroup -eq 'CN=NexJ Users,OU=Groups,DC=golden,DC=local'"
#   recipientRoot = "golden.local/O'Brien’s Advisors"
New-ManagementScope -Name 'NexJ Synced Users' -RecipientRestrictionFilter 'MemberOfGroup -eq ''CN=NexJ Users,OU=Groups,DC=golden,DC=local''' -RecipientRoot 'golden.local/O''Brien’’s Advisors'
# create exchange.service_account/nexj-sync: does not exist
#   upn = "nexj-sync@golden.local"
#   password = (sensitive)
New-Mailbox -Name 'nexj-sync' -Alias 'nexj-sync' -UserPrincipalName 'nexj-sync@golden.local' -Password (Read-Host -AsSecureString -Prompt 'Password for exchange.service_account/nexj-sync (${env:NEXJ_SYNC_PASSWORD})')
# create exchange.role_assignment/NexJ-Sync-Impersonation: does not exist
#   role = "ApplicationImpersonation"
#   user = "nexj-sync"
#   customRecipientWriteScope = "NexJ Synced Users"
#   enabled = true
New-ManagementRoleAssignment -Name 'NexJ-Sync-Impersonation' -Role 'ApplicationImpersonation' -User 'nexj-sync' -CustomRecipientWriteScope 'NexJ Synced Users'
# create exchange.throttling_policy/NexJSyncPolicy: does not exist
#   ewsMaxConcurrency = unlimited
#   ewsMaxSubscriptions = 5000
#   ewsMaxBurst = unlimited
#   ewsRechargeRate = unlimited
#   ewsCutoffBalance = unlimited
New-ThrottlingPolicy -Name 'NexJSyncPolicy' -ThrottlingPolicyScope 'Regular' -EwsMaxConcurrency 'Unlimited' -EwsMaxSubscriptions 5000 -EwsMaxBurst 'Unlimited' -EwsRechargeRate 'Unlimited' -EwsCutoffBalance 'Unlimited'
# create exchange.throttling_association/nexj-sync: does not exist
#   policy = "NexJSyncPolicy"
Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' -ThrottlingPolicy 'NexJSyncPolicy'
