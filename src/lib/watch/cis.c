/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/cis.c - the built-in alarm pack: the 15 CIS AWS Foundations metric
 * filters, and the S3 public access alert the benchmark lacks.
 *
 * Stage: watch. Patterns are the benchmark's text, exactly (Security Hub
 * requires the exact filter), transcribed from ../shared/spec/cis-patterns.json
 * (CIS v1.2 3.x and v1.4+ 4.x numbers, Security Hub CloudWatch.1-14; 4.15
 * Organizations from CIS v1.4+). Severities are opentrail's call, documented in
 * docs/cis.md. The S3 rule needs to look inside arrays of grants and policy
 * statements, which filter patterns cannot do, so it adds a refine function.
 */
#include <string.h>

#include "opentrail/watch.h"

#include "core/private.h"

static bool s3_public_refine(const struct ot_record *rec);

static const struct ot_cis_rule rules[] = {
    { "root_usage", "4.3", "3.3", "CloudWatch.1", "Root account usage", "critical",
      "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eve"
      "ntType != \"AwsServiceEvent\" }",
      NULL },
    { "unauthorized_api_calls", "4.1", "3.1", "CloudWatch.2", "Unauthorized API calls", "medium",
      "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") "
      "}",
      NULL },
    { "console_signin_without_mfa", "4.2", "3.2", "CloudWatch.3", "Console sign-in without MFA",
      "high", "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }",
      NULL },
    { "iam_policy_changes", "4.4", "3.4", "CloudWatch.4", "IAM policy changes", "high",
      "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName"
      "=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)|"
      "|($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeleteP"
      "olicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||"
      "($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=A"
      "ttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPoli"
      "cy)||($.eventName=DetachGroupPolicy)}",
      NULL },
    { "cloudtrail_config_changes", "4.5", "3.5", "CloudWatch.5", "CloudTrail configuration changes",
      "critical",
      "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName ="
      " DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
      NULL },
    { "console_auth_failures", "4.6", "3.6", "CloudWatch.6", "Console authentication failures",
      "medium", "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }",
      NULL },
    { "cmk_disable_or_deletion", "4.7", "3.7", "CloudWatch.7",
      "Disabling or scheduled deletion of customer-managed KMS keys", "high",
      "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eve"
      "ntName = ScheduleKeyDeletion)) }",
      NULL },
    { "s3_bucket_policy_changes", "4.8", "3.8", "CloudWatch.8", "S3 bucket policy changes", "high",
      "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.ev"
      "entName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = "
      "PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = "
      "DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = Dele"
      "teBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
      NULL },
    { "aws_config_changes", "4.9", "3.9", "CloudWatch.9", "AWS Config configuration changes",
      "high",
      "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationR"
      "ecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliver"
      "yChannel) || ($.eventName = PutConfigurationRecorder)) }",
      NULL },
    { "security_group_changes", "4.10", "3.10", "CloudWatch.10", "Security group changes", "medium",
      "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSec"
      "urityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventNam"
      "e = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.ev"
      "entName = DeleteSecurityGroup) }",
      NULL },
    { "nacl_changes", "4.11", "3.11", "CloudWatch.11", "Network ACL changes", "medium",
      "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) ||"
      " ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
      "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAsso"
      "ciation) }",
      NULL },
    { "network_gateway_changes", "4.12", "3.12", "CloudWatch.12", "Network gateway changes",
      "medium",
      "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGatewa"
      "y) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGa"
      "teway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachIntern"
      "etGateway) }",
      NULL },
    { "route_table_changes", "4.13", "3.13", "CloudWatch.13", "Route table changes", "medium",
      "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventN"
      "ame = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.even"
      "tName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = Dis"
      "associateRouteTable) }",
      NULL },
    { "vpc_changes", "4.14", "3.14", "CloudWatch.14", "VPC changes", "medium",
      "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = Mod"
      "ifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName"
      " = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) |"
      "| ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLi"
      "nkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcCla"
      "ssicLink) || ($.eventName = EnableVpcClassicLink) }",
      NULL },
    { "organizations_changes", "4.15", NULL, NULL, "AWS Organizations changes", "high",
      "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = \"AcceptHand"
      "shake\") || ($.eventName = \"AttachPolicy\") || ($.eventName = \"CreateAccount\") |"
      "| ($.eventName = \"CreateOrganizationalUnit\") || ($.eventName = \"CreatePolicy\")"
      " || ($.eventName = \"DeclineHandshake\") || ($.eventName = \"DeleteOrganization\")"
      " || ($.eventName = \"DeleteOrganizationalUnit\") || ($.eventName = \"DeletePolicy"
      "\") || ($.eventName = \"DetachPolicy\") || ($.eventName = \"DisablePolicyType\") ||"
      " ($.eventName = \"EnablePolicyType\") || ($.eventName = \"InviteAccountToOrganiza"
      "tion\") || ($.eventName = \"LeaveOrganization\") || ($.eventName = \"MoveAccount\")"
      " || ($.eventName = \"RemoveAccountFromOrganization\") || ($.eventName = \"UpdateP"
      "olicy\") || ($.eventName = \"UpdateOrganizationalUnit\")) }",
      NULL },
    { "s3_public_access", NULL, NULL, NULL,
      "S3 bucket made public or its public access block weakened", "critical",
      "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
      "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketPublicAccessBlock) || "
      "($.eventName = DeleteBucketPublicAccessBlock) || ($.eventName = DeletePublicAccessBlock) || "
      "($.eventName = PutAccountPublicAccessBlock) || ($.eventName = "
      "DeleteAccountPublicAccessBlock)) }",
      s3_public_refine },
};

const struct ot_cis_rule *ot_cis_rules(unsigned *count)
{
    *count = (unsigned)(sizeof(rules) / sizeof(rules[0]));
    return rules;
}

static struct ot_value field(struct ot_value v, const char *key)
{
    return ot_value_member(v, ot_sv_cstr(key));
}

/* Does the JSON text of @v mention one of the public grantee groups or canned ACLs? */
static bool mentions_public(struct ot_value v)
{
    static const char *const needles[] = {
        "acs.amazonaws.com/groups/global/AllUsers",
        "acs.amazonaws.com/groups/global/AuthenticatedUsers",
        "\"public-read\"",
        "\"public-read-write\"",
        "\"authenticated-read\"",
    };
    struct ot_sv s = ot_value_json(v);
    for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++) {
        if (memmem(s.p, s.n, needles[i], strlen(needles[i])) != NULL) {
            return true;
        }
    }
    return false;
}

/* Principal "*", {"AWS": "*"} or {"AWS": [..., "*", ...]} */
static bool principal_is_anyone(struct ot_value p)
{
    if (ot_value_str_eq(p, OT_SV_LIT("*"))) {
        return true;
    }
    struct ot_value aws = field(p, "AWS");
    if (ot_value_str_eq(aws, OT_SV_LIT("*"))) {
        return true;
    }
    uint32_t it = 0;
    struct ot_value e;
    while (aws.type == OT_ARRAY && ot_value_next(aws, &it, NULL, &e)) {
        if (ot_value_str_eq(e, OT_SV_LIT("*"))) {
            return true;
        }
    }
    return false;
}

static bool statement_public(struct ot_value st)
{
    return ot_value_str_eq(field(st, "Effect"), OT_SV_LIT("Allow")) &&
           principal_is_anyone(field(st, "Principal"));
}

static bool s3_public_refine(const struct ot_record *rec)
{
    struct ot_value root = ot_record_root(rec);
    struct ot_value name = field(root, "eventName");
    struct ot_value rp = field(root, "requestParameters");
    if (ot_value_str_eq(name, OT_SV_LIT("DeleteBucketPublicAccessBlock")) ||
        ot_value_str_eq(name, OT_SV_LIT("DeletePublicAccessBlock")) ||
        ot_value_str_eq(name, OT_SV_LIT("DeleteAccountPublicAccessBlock"))) {
        return true; /* removing the block always weakens it */
    }
    if (ot_value_str_eq(name, OT_SV_LIT("PutBucketPublicAccessBlock")) ||
        ot_value_str_eq(name, OT_SV_LIT("PutAccountPublicAccessBlock"))) {
        struct ot_value cfg = field(rp, "PublicAccessBlockConfiguration");
        static const char *const flags[] = { "BlockPublicAcls", "IgnorePublicAcls",
                                             "BlockPublicPolicy", "RestrictPublicBuckets" };
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
            struct ot_value f = field(cfg, flags[i]);
            if (f.type == OT_FALSE || ot_value_str_eq(f, OT_SV_LIT("false"))) {
                return true;
            }
        }
        return false;
    }
    if (ot_value_str_eq(name, OT_SV_LIT("PutBucketAcl"))) {
        return rp.type != OT_ABSENT && mentions_public(rp);
    }
    if (ot_value_str_eq(name, OT_SV_LIT("PutBucketPolicy"))) {
        struct ot_value st = field(field(rp, "bucketPolicy"), "Statement");
        if (st.type == OT_OBJECT) {
            return statement_public(st);
        }
        uint32_t it = 0;
        struct ot_value e;
        while (st.type == OT_ARRAY && ot_value_next(st, &it, NULL, &e)) {
            if (statement_public(e)) {
                return true;
            }
        }
    }
    return false;
}

/* CIS's recipe for every rule: Sum of matches >= 1 over 5 minutes, one period;
 * quiet periods are not breaching, so a quiet account reads OK rather than
 * sitting in INSUFFICIENT_DATA (what the recipe gives without a defaultValue). */
static const struct ot_alarm_def cis_alarm = {
    .period_s = 300,
    .evaluation_periods = 1,
    .datapoints_to_alarm = 1,
    .threshold = 1,
    .cmp = OT_CMP_GE,
    .stat = OT_STAT_SUM,
    .missing = OT_MISSING_NOT_BREACHING,
};

const struct ot_alarm_def *ot_cis_alarm(void)
{
    return &cis_alarm;
}
