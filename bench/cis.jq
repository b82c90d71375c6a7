# bench/cis.jq - the 15 CIS metric-filter conditions in jq, for `make bench`:
# what a user without opentrail runs (zcat | jq) to get the same counts.
# CloudWatch semantics: comparisons on absent fields match nothing.
def inlist($l): . as $e | $l | index([$e]) != null;
def cis: {
  root_usage: (.userIdentity.type == "Root" and (.userIdentity | has("invokedBy") | not) and (.eventType != null and .eventType != "AwsServiceEvent")),
  unauthorized_api_calls: ((.errorCode // "" | endswith("UnauthorizedOperation")) or (.errorCode // "" | startswith("AccessDenied"))),
  console_signin_without_mfa: (.eventName == "ConsoleLogin" and (.additionalEventData.MFAUsed? != null) and .additionalEventData.MFAUsed != "Yes"),
  iam_policy_changes: (.eventName | inlist(["DeleteGroupPolicy","DeleteRolePolicy","DeleteUserPolicy","PutGroupPolicy","PutRolePolicy","PutUserPolicy","CreatePolicy","DeletePolicy","CreatePolicyVersion","DeletePolicyVersion","AttachRolePolicy","DetachRolePolicy","AttachUserPolicy","DetachUserPolicy","AttachGroupPolicy","DetachGroupPolicy"])),
  cloudtrail_config_changes: (.eventName | inlist(["CreateTrail","UpdateTrail","DeleteTrail","StartLogging","StopLogging"])),
  console_auth_failures: (.eventName == "ConsoleLogin" and .errorMessage == "Failed authentication"),
  cmk_disable_or_deletion: (.eventSource == "kms.amazonaws.com" and (.eventName == "DisableKey" or .eventName == "ScheduleKeyDeletion")),
  s3_bucket_policy_changes: (.eventSource == "s3.amazonaws.com" and (.eventName | inlist(["PutBucketAcl","PutBucketPolicy","PutBucketCors","PutBucketLifecycle","PutBucketReplication","DeleteBucketPolicy","DeleteBucketCors","DeleteBucketLifecycle","DeleteBucketReplication"]))),
  aws_config_changes: (.eventSource == "config.amazonaws.com" and (.eventName | inlist(["StopConfigurationRecorder","DeleteDeliveryChannel","PutDeliveryChannel","PutConfigurationRecorder"]))),
  security_group_changes: (.eventName | inlist(["AuthorizeSecurityGroupIngress","AuthorizeSecurityGroupEgress","RevokeSecurityGroupIngress","RevokeSecurityGroupEgress","CreateSecurityGroup","DeleteSecurityGroup"])),
  nacl_changes: (.eventName | inlist(["CreateNetworkAcl","CreateNetworkAclEntry","DeleteNetworkAcl","DeleteNetworkAclEntry","ReplaceNetworkAclEntry","ReplaceNetworkAclAssociation"])),
  network_gateway_changes: (.eventName | inlist(["CreateCustomerGateway","DeleteCustomerGateway","AttachInternetGateway","CreateInternetGateway","DeleteInternetGateway","DetachInternetGateway"])),
  route_table_changes: (.eventName | inlist(["CreateRoute","CreateRouteTable","ReplaceRoute","ReplaceRouteTableAssociation","DeleteRouteTable","DeleteRoute","DisassociateRouteTable"])),
  vpc_changes: (.eventName | inlist(["CreateVpc","DeleteVpc","ModifyVpcAttribute","AcceptVpcPeeringConnection","CreateVpcPeeringConnection","DeleteVpcPeeringConnection","RejectVpcPeeringConnection","AttachClassicLinkVpc","DetachClassicLinkVpc","DisableVpcClassicLink","EnableVpcClassicLink"])),
  organizations_changes: (.eventSource == "organizations.amazonaws.com" and (.eventName | inlist(["AcceptHandshake","AttachPolicy","CreateAccount","CreateOrganizationalUnit","CreatePolicy","DeclineHandshake","DeleteOrganization","DeleteOrganizationalUnit","DeletePolicy","DetachPolicy","DisablePolicyType","EnablePolicyType","InviteAccountToOrganization","LeaveOrganization","MoveAccount","RemoveAccountFromOrganization","UpdatePolicy","UpdateOrganizationalUnit"])))
};
reduce (inputs | .Records[] | cis | to_entries[] | select(.value) | .key) as $k ({}; .[$k] += 1)
