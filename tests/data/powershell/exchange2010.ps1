# syncdeploy export --powershell: deployment "golden-2010", Exchange2010
# Review before running. Passwords are asked for with Read-Host.
$ErrorActionPreference = 'Stop'
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010
# left out: blocked exchange.service_account/nexj-sync: does not exist, and exchange.serviceAccount.create is false: create the account or let syncdeploy create it
# create exchange.role_assignment/nexj-sync-ApplicationImpersonation: does not exist
#   role = "ApplicationImpersonation"
#   user = "nexj-sync"
#   customRecipientWriteScope = ""
#   enabled = true
New-ManagementRoleAssignment -Name 'nexj-sync-ApplicationImpersonation' -Role 'ApplicationImpersonation' -User 'nexj-sync'
# create exchange.throttling_policy/NexJ Sync 2010: does not exist
#   ewsMaxConcurrency = unlimited
#   ewsMaxSubscriptions = 5000
#   ewsPercentTimeInAD = 100
#   ewsPercentTimeInCAS = 500
#   ewsPercentTimeInMailboxRPC = 300
#   ewsFastSearchTimeoutInSeconds = 60
#   ewsFindCountLimit = 1000
New-ThrottlingPolicy -Name 'NexJ Sync 2010' -EWSMaxConcurrency $null -EWSMaxSubscriptions 5000 -EWSPercentTimeInAD 100 -EWSPercentTimeInCAS 500 -EWSPercentTimeInMailboxRPC 300 -EWSFastSearchTimeoutInSeconds 60 -EWSFindCountLimit 1000
# create exchange.throttling_association/nexj-sync: does not exist
#   policy = "NexJ Sync 2010"
Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' -ThrottlingPolicy 'NexJ Sync 2010'
