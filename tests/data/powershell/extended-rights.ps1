# syncdeploy export --powershell: deployment "golden-rights", Exchange2019
# Review before running. Passwords are asked for with Read-Host.
$ErrorActionPreference = 'Stop'
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn
# create exchange.service_account/GOLDEN\nexj-sync: does not exist
#   upn = "nexj-sync@golden.local"
#   password = (sensitive)
New-Mailbox -Name 'nexj-sync' -Alias 'nexj-sync' -UserPrincipalName 'nexj-sync@golden.local' -Password (Read-Host -AsSecureString -Prompt 'Password for exchange.service_account/GOLDEN\nexj-sync (${env:NEXJ_SYNC_PASSWORD})')
# create exchange.ad_permission/GOLDEN\nexj-sync/ms-Exch-EPI-Impersonation: does not exist
#   user = "GOLDEN\\nexj-sync"
#   appliesTo = "client access servers"
Get-ExchangeServer | ForEach-Object { Add-ADPermission -Identity $_.DistinguishedName -User 'GOLDEN\nexj-sync' -ExtendedRights 'ms-Exch-EPI-Impersonation' }
# create exchange.ad_permission/GOLDEN\nexj-sync/ms-Exch-EPI-May-Impersonate: does not exist
#   user = "GOLDEN\\nexj-sync"
#   appliesTo = "mailbox databases"
Get-MailboxDatabase | ForEach-Object { Add-ADPermission -Identity $_.DistinguishedName -User 'GOLDEN\nexj-sync' -ExtendedRights 'ms-Exch-EPI-May-Impersonate' }
