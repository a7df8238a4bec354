Get-ExchangeServer | where {$_.IsClientAccessServer -eq $TRUE} | ForEach-Object {Add-ADPermission -Identity $_.distinguishedname -User (Get-User -Identity nexj-sync | select-object).identity -extendedRight ms-Exch-EPI-Impersonation}
Get-MailboxDatabase | ForEach-Object {Add-ADPermission -Identity $_.Distinguishedname -User nexj-sync -ExtendedRights ms-Exch-EPI-May-Impersonate}
New-ThrottlingPolicy NexjsaPolicy
Set-ThrottlingPolicy NexjsaPolicy -EWSMaxConcurrency $null -EWSPercentTimeInAD $null -EWSPercentTimeInCAS $null -EWSPercentTimeInMailboxRPC $null -EWSMaxSubscriptions $null -EWSFastSearchTimeoutInSeconds $null -EWSFindCountLimit $null
Set-Mailbox nexj-sync -ThrottlingPolicy NexjsaPolicy
