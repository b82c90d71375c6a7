/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/rules.c - the audit rules: one const table, one check function each.
 *
 * Stage: advise. A check reads only the trail model (model.h) and emits a
 * finding per resource that breaks its rule, or an "undetermined" finding
 * when a value it needs is not static. A resource with no finding passes.
 * References are the ones an auditor quotes: CIS AWS Foundations Benchmark
 * (v1.4 numbering; v1.2 in brackets where it differs), and the checks of
 * Checkov, Trivy (AVD ids) and Prowler that test the same thing ("" when a
 * tool has no equivalent we could name with confidence).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "advise/model.h"

#include "core/private.h"

enum rule_ix {
    R_MULTI_REGION,
    R_ORG_TRAIL,
    R_VALIDATION,
    R_KMS,
    R_LOGGING,
    R_CLOUDWATCH,
    R_TRAIL_SNS,
    R_GLOBAL_EVENTS,
    R_DATA_EVENTS,
    R_DUPLICATE,
    R_INSIGHTS,
    R_STORE_KMS,
    R_BUCKET_PUBLIC,
    R_BUCKET_PAB,
    R_BUCKET_ACCOUNT,
    R_BUCKET_LOGGING,
    R_BUCKET_LIFECYCLE,
    R_BUCKET_MFA_LOCK,
    R_BUCKET_UNSEEN,
    R_CIS_FIRST,
    R_CIS_LAST = R_CIS_FIRST + 14,
    R_ALARM_NOTIFY,
    R_TF_VERSION,
    R_TF_PIN,
    R_TF_REGION,
    R_TF_BACKEND,
    R_TF_STATE,
    R__COUNT
};

#define TF_TRAIL(body) "resource \"aws_cloudtrail\" \"main\" {\n  " body "\n}"

#define CIS_FIX_TF                                                                      \
    "resource \"aws_cloudwatch_log_metric_filter\" \"f\" {\n"                           \
    "  log_group_name = aws_cloudwatch_log_group.trail.name\n"                          \
    "  pattern        = \"<the CIS pattern>\"\n"                                        \
    "  metric_transformation {\n    name = \"<m>\"\n    namespace = \"CISBenchmark\"\n" \
    "    value = \"1\"\n  }\n}\n"                                                       \
    "resource \"aws_cloudwatch_metric_alarm\" \"a\" {\n"                                \
    "  metric_name = \"<m>\"\n  namespace = \"CISBenchmark\"\n  statistic = \"Sum\"\n"  \
    "  period = 300\n  threshold = 1\n  evaluation_periods = 1\n"                       \
    "  comparison_operator = \"GreaterThanOrEqualToThreshold\"\n"                       \
    "  alarm_actions = [aws_sns_topic.security.arn]\n}\n"                               \
    "resource \"aws_sns_topic_subscription\" \"s\" {\n"                                 \
    "  topic_arn = aws_sns_topic.security.arn\n  protocol = \"email\"\n"                \
    "  endpoint = \"security@example.com\"\n}"
#define CIS_FIX_CONF                                                                \
    "MetricFilters:\n  - filterName: <m>\n    filterPattern: '<the CIS pattern>'\n" \
    "    metricTransformations: [{metricName: <m>, metricNamespace: CISBenchmark, " \
    "metricValue: '1'}]\nAlarms:\n  - AlarmName: <m>\n    MetricName: <m>\n"        \
    "    Threshold: 1\n    AlarmActions: [security]   # a notifier with a recipient"
#define CIS_WHY                                                                            \
    "CIS asks for a metric filter and an alarm on this activity, wired to a topic with a " \
    "subscriber, so a person learns of it within minutes rather than at the next audit."

#define CIS_RULE(n, slug_, sev, title_, cis_, prowler_)                               \
    [R_CIS_FIRST + (n)-1] = { "OT-CW-00" #n, slug_, sev, title_, CIS_WHY, CIS_FIX_TF, \
                              CIS_FIX_CONF,  cis_,  "",  "",     prowler_ }

static const struct ot_advise_rule rules[R__COUNT] = {
    [R_MULTI_REGION] = { "OT-CT-001", "multi-region-trail", OT_SEV_HIGH,
                         "CloudTrail trail is not multi-region",
                         "A single-region trail is blind to activity in every other region; "
                         "attackers launch resources where nobody looks.",
                         TF_TRAIL("is_multi_region_trail = true"),
                         "Trails:\n  - Name: main\n    IsMultiRegionTrail: true", "3.1 [2.1]",
                         "CKV_AWS_67", "AVD-AWS-0014", "cloudtrail_multi_region_enabled" },
    [R_ORG_TRAIL] = { "OT-CT-002", "organization-trail", OT_SEV_MEDIUM,
                      "Trail is not an organization trail",
                      "An organization trail records every member account, including accounts "
                      "created later, and member accounts cannot stop or change it.",
                      TF_TRAIL("is_organization_trail = true   # in the management or delegated "
                               "administrator account"),
                      "Trails:\n  - Name: main\n    IsOrganizationTrail: true", "", "", "", "" },
    [R_VALIDATION] = { "OT-CT-003", "log-file-validation", OT_SEV_HIGH,
                       "Log file validation is off",
                       "Without digest files nobody can prove that a log file was not changed "
                       "or deleted after delivery.",
                       TF_TRAIL("enable_log_file_validation = true"),
                       "Trails:\n  - Name: main\n    LogFileValidationEnabled: true", "3.2 [2.2]",
                       "CKV_AWS_36", "AVD-AWS-0016", "cloudtrail_log_file_validation_enabled" },
    [R_KMS] = { "OT-CT-004", "kms-customer-key", OT_SEV_MEDIUM,
                "Trail logs are not encrypted with a customer-managed KMS key (SSE-KMS)",
                "SSE-S3 lets anyone with s3:GetObject read the logs; with SSE-KMS reading also "
                "needs kms:Decrypt on a key you control, and every decryption is itself logged.",
                TF_TRAIL("kms_key_id = aws_kms_key.cloudtrail.arn"),
                "Trails:\n  - Name: main\n    KmsKeyId: alias/cloudtrail", "3.7 [2.7]",
                "CKV_AWS_35", "AVD-AWS-0015", "cloudtrail_kms_encryption_enabled" },
    [R_LOGGING] = { "OT-CT-005", "logging-on", OT_SEV_CRITICAL, "Trail logging is turned off",
                    "A trail that is not logging records nothing: the audit trail has a hole "
                    "for as long as it stays off.",
                    TF_TRAIL("enable_logging = true   # or leave it out: true is the default"),
                    "Trails:\n  - Name: main\n    IsLogging: true", "", "CKV_AWS_251", "",
                    "cloudtrail_multi_region_enabled" },
    [R_CLOUDWATCH] = { "OT-CT-006", "cloudwatch-logs", OT_SEV_MEDIUM,
                       "Trail does not deliver to CloudWatch Logs",
                       "Metric filters and alarms (the CIS monitoring controls) only see events "
                       "that reach a log group; S3 delivery alone is read after the fact.",
                       TF_TRAIL("cloud_watch_logs_group_arn = "
                                "\"${aws_cloudwatch_log_group.trail.arn}:*\"\n  "
                                "cloud_watch_logs_role_arn  = aws_iam_role.trail_to_cwl.arn"),
                       "Trails:\n  - Name: main\n    CloudWatchLogsLogGroupArn: "
                       "arn:aws:logs:REGION:ACCOUNT:log-group:trail:*",
                       "3.4 [2.4]", "CKV2_AWS_10", "AVD-AWS-0162",
                       "cloudtrail_cloudwatch_logging_enabled" },
    [R_TRAIL_SNS] = { "OT-CT-007", "trail-sns-topic", OT_SEV_LOW,
                      "Trail defines no SNS topic for log delivery notifications",
                      "A delivery notification per log file lets downstream systems (SIEM, "
                      "archivers) react at once and shows when delivery stops.",
                      TF_TRAIL("sns_topic_name = aws_sns_topic.trail.arn"),
                      "Trails:\n  - Name: main\n    SnsTopicName: trail-deliveries", "",
                      "CKV_AWS_252", "", "" },
    [R_GLOBAL_EVENTS] = { "OT-CT-008", "global-service-events", OT_SEV_MEDIUM,
                          "Trail leaves out global service events (IAM, STS, CloudFront)",
                          "IAM and STS calls are where privilege is gained; a trail without "
                          "global service events does not record them.",
                          TF_TRAIL("include_global_service_events = true"),
                          "Trails:\n  - Name: main\n    IncludeGlobalServiceEvents: true", "", "",
                          "", "" },
    [R_DATA_EVENTS] = { "OT-CT-009", "data-events-selective", OT_SEV_LOW,
                        "Data events are recorded for every bucket or function",
                        "Data events cost $0.10 per 100,000 (us-east-1) and a busy bucket makes "
                        "millions a day; select the buckets and functions that hold what you "
                        "must account for, and price the rest before enabling it.",
                        TF_TRAIL("event_selector {\n    data_resource {\n      type   = "
                                 "\"AWS::S3::Object\"\n      values = "
                                 "[\"${aws_s3_bucket.sensitive.arn}/\"]\n    }\n  }"),
                        "Trails:\n  - Name: main\n    EventSelectors:\n      - DataResources:\n"
                        "          - Type: AWS::S3::Object\n            Values: "
                        "[arn:aws:s3:::sensitive-bucket/]",
                        "3.10, 3.11 (object-level logging)", "", "",
                        "cloudtrail_s3_dataevents_write_enabled" },
    [R_DUPLICATE] = { "OT-CT-010", "duplicate-trails", OT_SEV_LOW,
                      "More than one trail records management events",
                      "The first copy of management events is free; each further copy costs "
                      "$2.00 per 100,000 events and adds nothing an auditor needs.",
                      "# keep one multi-region trail for management events;\n# give extra "
                      "trails include_management_events = false",
                      "Trails:\n  - Name: data-only\n    EventSelectors:\n      - "
                      "IncludeManagementEvents: false",
                      "", "", "", "" },
    [R_INSIGHTS] = { "OT-CT-011", "insights", OT_SEV_INFO, "CloudTrail Insights is not enabled",
                     "Insights flags unusual API call and error rates (credential misuse, "
                     "runaway automation) without writing a rule for each.",
                     TF_TRAIL("insight_selector {\n    insight_type = \"ApiCallRateInsight\"\n  "
                              "}\n  insight_selector {\n    insight_type = "
                              "\"ApiErrorRateInsight\"\n  }"),
                     "Trails:\n  - Name: main\n    InsightSelectors:\n      - InsightType: "
                     "ApiCallRateInsight\n      - InsightType: ApiErrorRateInsight",
                     "", "", "", "cloudtrail_insights_exist" },
    [R_STORE_KMS] = { "OT-CT-012", "event-data-store-kms", OT_SEV_MEDIUM,
                      "CloudTrail Lake event data store is not encrypted with a customer key",
                      "As for trails: a key you control decides who can read the events, and "
                      "its use is logged.",
                      "resource \"aws_cloudtrail_event_data_store\" \"s\" {\n  kms_key_id = "
                      "aws_kms_key.lake.arn\n}",
                      "# not applicable: opentrail stores events itself (Encryption: on)", "",
                      "CKV_AWS_294", "", "" },
    [R_BUCKET_PUBLIC] = { "OT-S3-001", "bucket-not-public", OT_SEV_CRITICAL,
                          "Trail bucket is readable by the public",
                          "Public CloudTrail logs hand an attacker your account ids, users, "
                          "roles, IP addresses and every API call you make.",
                          "resource \"aws_s3_bucket_acl\" \"logs\" {\n  bucket = "
                          "aws_s3_bucket.logs.id\n  acl    = \"private\"\n}",
                          "# opentrail's local backend is private (0600 files)", "3.3 [2.3]",
                          "CKV_AWS_20", "AVD-AWS-0161",
                          "cloudtrail_logs_s3_bucket_is_not_publicly_accessible" },
    [R_BUCKET_PAB] = { "OT-S3-002", "bucket-public-access-block", OT_SEV_HIGH,
                       "Trail bucket has no complete S3 Block Public Access",
                       "Block Public Access stops a later ACL or policy change from making "
                       "the logs public; all four settings are needed.",
                       "resource \"aws_s3_bucket_public_access_block\" \"logs\" {\n  bucket = "
                       "aws_s3_bucket.logs.id\n  block_public_acls       = true\n  "
                       "block_public_policy     = true\n  ignore_public_acls      = true\n  "
                       "restrict_public_buckets = true\n}",
                       "# S3 backend: turn on Block Public Access on the bucket", "2.1.5",
                       "CKV2_AWS_6", "AVD-AWS-0094", "s3_bucket_level_public_access_block" },
    [R_BUCKET_ACCOUNT] = { "OT-S3-003", "bucket-separate-account", OT_SEV_MEDIUM,
                           "Trail bucket is in the same account as the trail",
                           "Whoever takes over the workload account can then delete or "
                           "rewrite its own audit trail; a separate log archive account keeps "
                           "the evidence out of reach.",
                           "provider \"aws\" {\n  alias = \"log_archive\"\n  assume_role { "
                           "role_arn = \"arn:aws:iam::LOG_ARCHIVE_ACCOUNT:role/terraform\" }\n}\n"
                           "resource \"aws_s3_bucket\" \"logs\" {\n  provider = aws.log_archive"
                           "\n  bucket   = \"org-cloudtrail-archive\"\n}",
                           "Trails:\n  - Name: main\n    S3BucketName: "
                           "bucket-in-the-log-archive-account",
                           "", "", "", "" },
    [R_BUCKET_LOGGING] = { "OT-S3-004", "bucket-access-logging", OT_SEV_MEDIUM,
                           "Trail bucket has no server access logging",
                           "Access logs show who read or tried to read the audit trail itself.",
                           "resource \"aws_s3_bucket_logging\" \"logs\" {\n  bucket        = "
                           "aws_s3_bucket.logs.id\n  target_bucket = "
                           "aws_s3_bucket.access_logs.id\n  target_prefix = \"cloudtrail/\"\n}",
                           "# S3 backend: enable server access logging on the bucket", "3.6 [2.6]",
                           "CKV_AWS_18", "AVD-AWS-0163",
                           "cloudtrail_logs_s3_bucket_access_logging_enabled" },
    [R_BUCKET_LIFECYCLE] = { "OT-S3-005", "bucket-lifecycle", OT_SEV_LOW,
                             "Trail bucket has no lifecycle to an archive tier and expiry",
                             "Logs kept forever in S3 Standard cost the most and hold data "
                             "past its retention; move them to an archive tier, expire them "
                             "when the retention period ends.",
                             "resource \"aws_s3_bucket_lifecycle_configuration\" \"logs\" {\n"
                             "  bucket = aws_s3_bucket.logs.id\n  rule {\n    id = \"archive\"\n"
                             "    status = \"Enabled\"\n    filter {}\n    transition {\n"
                             "      days = 90\n      storage_class = \"GLACIER\"\n    }\n"
                             "    expiration { days = 2555 }\n  }\n}",
                             "Lifecycle:\n  ArchiveAfterDays: 90\n  ExpireAfterDays: 2555", "",
                             "CKV2_AWS_61", "", "" },
    [R_BUCKET_MFA_LOCK] = { "OT-S3-006", "bucket-mfa-delete-or-object-lock", OT_SEV_MEDIUM,
                            "Trail bucket has neither MFA delete nor object lock",
                            "Without them, one set of stolen credentials can delete the logs "
                            "that would show what was done with them.",
                            "resource \"aws_s3_bucket\" \"logs\" {\n  object_lock_enabled = "
                            "true\n}\nresource \"aws_s3_bucket_object_lock_configuration\" "
                            "\"logs\" {\n  bucket = aws_s3_bucket.logs.id\n  rule {\n    "
                            "default_retention {\n      mode = \"COMPLIANCE\"\n      days = "
                            "365\n    }\n  }\n}",
                            "# opentrail seals log files read-only and never overwrites them",
                            "2.1.3 (MFA delete)", "CKV_AWS_143", "",
                            "cloudtrail_bucket_requires_mfa_delete" },
    [R_BUCKET_UNSEEN] = { "OT-S3-007", "bucket-not-audited", OT_SEV_INFO,
                          "Trail bucket is not among the inputs, so its settings were not "
                          "checked",
                          "Public access, encryption, versioning, lifecycle and access logging "
                          "of the bucket decide whether the trail can be trusted.",
                          "# add the .tf file that declares the bucket to the audit",
                          "# run opentrail audit --aws-export with get-bucket-* exports", "", "",
                          "", "" },
    CIS_RULE(1, "cis-unauthorized-api-calls", OT_SEV_MEDIUM, "No alarm on unauthorized API calls",
             "4.1 [3.1]", "cloudwatch_log_metric_filter_unauthorized_api_calls"),
    CIS_RULE(2, "cis-console-signin-without-mfa", OT_SEV_MEDIUM,
             "No alarm on console sign-in without MFA", "4.2 [3.2]",
             "cloudwatch_log_metric_filter_sign_in_without_mfa"),
    CIS_RULE(3, "cis-root-usage", OT_SEV_HIGH, "No alarm on use of the root user", "4.3 [3.3]",
             "cloudwatch_log_metric_filter_root_usage"),
    CIS_RULE(4, "cis-iam-policy-changes", OT_SEV_MEDIUM, "No alarm on IAM policy changes",
             "4.4 [3.4]", "cloudwatch_log_metric_filter_policy_changes"),
    CIS_RULE(5, "cis-cloudtrail-config-changes", OT_SEV_HIGH,
             "No alarm on CloudTrail configuration changes", "4.5 [3.5]",
             "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_"
             "enabled"),
    CIS_RULE(6, "cis-console-auth-failures", OT_SEV_MEDIUM,
             "No alarm on console authentication failures", "4.6 [3.6]",
             "cloudwatch_log_metric_filter_authentication_failures"),
    CIS_RULE(7, "cis-cmk-disable-or-deletion", OT_SEV_MEDIUM,
             "No alarm on disabling or scheduled deletion of customer KMS keys", "4.7 [3.7]",
             "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk"),
    CIS_RULE(8, "cis-s3-bucket-policy-changes", OT_SEV_MEDIUM,
             "No alarm on S3 bucket policy changes", "4.8 [3.8]",
             "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes"),
    CIS_RULE(9, "cis-aws-config-changes", OT_SEV_MEDIUM,
             "No alarm on AWS Config configuration changes", "4.9 [3.9]",
             "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_"
             "enabled"),
    [R_CIS_FIRST + 9] = { "OT-CW-010", "cis-security-group-changes", OT_SEV_MEDIUM,
                          "No alarm on security group changes", CIS_WHY, CIS_FIX_TF, CIS_FIX_CONF,
                          "4.10 [3.10]", "", "",
                          "cloudwatch_log_metric_filter_security_group_changes" },
    [R_CIS_FIRST + 10] = { "OT-CW-011", "cis-nacl-changes", OT_SEV_MEDIUM,
                           "No alarm on network ACL changes", CIS_WHY, CIS_FIX_TF, CIS_FIX_CONF,
                           "4.11 [3.11]", "", "",
                           "cloudwatch_changes_to_network_acls_alarm_"
                           "configured" },
    [R_CIS_FIRST + 11] = { "OT-CW-012", "cis-network-gateway-changes", OT_SEV_MEDIUM,
                           "No alarm on network gateway changes", CIS_WHY, CIS_FIX_TF, CIS_FIX_CONF,
                           "4.12 [3.12]", "", "",
                           "cloudwatch_changes_to_network_gateways_alarm_configured" },
    [R_CIS_FIRST + 12] = { "OT-CW-013", "cis-route-table-changes", OT_SEV_MEDIUM,
                           "No alarm on route table changes", CIS_WHY, CIS_FIX_TF, CIS_FIX_CONF,
                           "4.13 [3.13]", "", "",
                           "cloudwatch_changes_to_network_route_tables_alarm_configured" },
    [R_CIS_FIRST + 13] = { "OT-CW-014", "cis-vpc-changes", OT_SEV_MEDIUM, "No alarm on VPC changes",
                           CIS_WHY, CIS_FIX_TF, CIS_FIX_CONF, "4.14 [3.14]", "", "",
                           "cloudwatch_changes_to_vpcs_alarm_configured" },
    [R_CIS_FIRST + 14] = { "OT-CW-015", "cis-organizations-changes", OT_SEV_MEDIUM,
                           "No alarm on AWS Organizations changes", CIS_WHY, CIS_FIX_TF,
                           CIS_FIX_CONF, "4.15", "", "",
                           "cloudwatch_log_metric_filter_aws_organizations_changes" },
    [R_ALARM_NOTIFY] = { "OT-CW-016", "alarm-notifies", OT_SEV_MEDIUM,
                         "Alarm notifies nobody (no SNS topic with a subscriber)",
                         "An alarm that changes state without telling a person is found at the "
                         "next review, long after the critical event.",
                         "resource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  alarm_actions = "
                         "[aws_sns_topic.security.arn]\n}\nresource "
                         "\"aws_sns_topic_subscription\" \"s\" {\n  topic_arn = "
                         "aws_sns_topic.security.arn\n  protocol  = \"email\"\n  endpoint  = "
                         "\"security@example.com\"\n}",
                         "Alarms:\n  - AlarmName: x\n    AlarmActions: [security]", "", "", "",
                         "" },
    [R_TF_VERSION] = { "OT-TF-001", "terraform-required-version", OT_SEV_LOW,
                       "Terraform version is not constrained (required_version)",
                       "A newer Terraform may plan differently; pinning makes the trail's "
                       "configuration reproducible.",
                       "terraform {\n  required_version = \">= 1.5.0\"\n}", "", "", "", "", "" },
    [R_TF_PIN] = { "OT-TF-002", "terraform-provider-pinned", OT_SEV_LOW,
                   "Provider version is not pinned",
                   "A new major provider version can change defaults of trail and bucket "
                   "resources (the v4 S3 split did) without anyone editing the code.",
                   "terraform {\n  required_providers {\n    aws = {\n      source  = "
                   "\"hashicorp/aws\"\n      version = \"~> 5.0\"\n    }\n  }\n}",
                   "", "", "", "", "" },
    [R_TF_REGION] = { "OT-TF-003", "terraform-no-hardcoded-region", OT_SEV_LOW,
                      "Provider region is hard-coded",
                      "A hard-coded region makes the same code deploy the trail to the wrong "
                      "place when reused; take it from a variable.",
                      "variable \"aws_region\" {\n  type = string\n}\nprovider \"aws\" {\n  "
                      "region = var.aws_region\n}",
                      "", "", "", "", "" },
    [R_TF_BACKEND] = { "OT-TF-004", "terraform-remote-backend", OT_SEV_MEDIUM,
                       "No remote backend: state is kept on the machine that ran Terraform",
                       "Local state is lost with the laptop, cannot be locked, and holds "
                       "resource attributes that should live in an encrypted, access-"
                       "controlled store.",
                       "terraform {\n  backend \"s3\" {\n    bucket         = \"org-tf-state\"\n"
                       "    key            = \"audit/terraform.tfstate\"\n    region         = "
                       "\"eu-west-1\"\n    encrypt        = true\n    dynamodb_table = "
                       "\"tf-locks\"\n  }\n}",
                       "", "", "", "", "" },
    [R_TF_STATE] = { "OT-TF-005", "terraform-no-state-in-repo", OT_SEV_HIGH,
                     "A Terraform state file is among the audited files",
                     "State files hold every attribute of every resource, secrets included; "
                     "committed to a repository they leak to everyone who can clone it.",
                     "# .gitignore\n*.tfstate\n*.tfstate.*\n# and use a remote backend", "", "", "",
                     "", "" },
};

/* The events each CIS metric filter must name (spec section 7): a filter whose
 * pattern contains every token is taken to cover the control. */
static const char *const cis_tokens[15][20] = {
    { "UnauthorizedOperation", "AccessDenied" },
    { "ConsoleLogin", "MFAUsed" },
    { "Root", "invokedBy", "AwsServiceEvent" },
    { "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
      "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion",
      "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy",
      "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy" },
    { "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging" },
    { "ConsoleLogin", "Failed authentication" },
    { "kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion" },
    { "s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
      "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle",
      "DeleteBucketReplication" },
    { "config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel",
      "PutDeliveryChannel", "PutConfigurationRecorder" },
    { "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup" },
    { "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
      "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation" },
    { "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
      "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway" },
    { "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
      "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable" },
    { "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
      "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
      "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink",
      "EnableVpcClassicLink" },
    { "organizations.amazonaws.com", "AcceptHandshake", "AttachPolicy", "CreateAccount",
      "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
      "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
      "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
      "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit" },
};

const struct ot_advise_rule *ot_advise_rules(size_t *n)
{
    *n = R__COUNT;
    return rules;
}

struct cx {
    struct ot_advise *a;
    bool nomem, limit;
};

static void emit(struct cx *c, enum rule_ix r, enum ot_verdict v, const char *resource,
                 struct ot_loc at, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit(struct cx *c, enum rule_ix r, enum ot_verdict v, const char *resource,
                 struct ot_loc at, const char *fmt, ...)
{
    if (c->a->nfind >= OT_ADVISE_MAX_FINDINGS) {
        c->limit = true;
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap); /* a long expression is cut, that is fine */
    va_end(ap);
    struct ot_fnode *n = ot_arena_alloc(&c->a->ar, sizeof(*n));
    char *m = ot_arena_strdup(&c->a->ar, ot_sv_cstr(msg));
    if (n == NULL || m == NULL) {
        c->nomem = true;
        return;
    }
    n->f = (struct ot_finding){ &rules[r], v, resource, m, at };
    n->next = c->a->flist;
    c->a->flist = n;
    c->a->nfind++;
}

/* A boolean setting: fails when it is (or defaults to) the wrong value. */
static void want_bool(struct cx *c, enum rule_ix r, const struct ot_m_trail *t,
                      const struct ot_av *v, bool dflt, const char *attr_name)
{
    attr_name = v->name != NULL ? v->name : attr_name; /* as the input spells it */
    if (v->kind == OT_AV_UNKNOWN) {
        emit(c, r, OT_VERDICT_UNKNOWN, t->addr, v->loc, "cannot decide %s: its value is `%s`",
             attr_name, v->s != NULL ? v->s : "?");
        return;
    }
    bool val = v->kind == OT_AV_BOOL ? v->b : dflt;
    if (v->kind == OT_AV_STR) {
        emit(c, r, OT_VERDICT_UNKNOWN, t->addr, v->loc, "%s is \"%s\", not a boolean", attr_name,
             v->s);
        return;
    }
    if (!val) {
        emit(c, r, OT_VERDICT_FAIL, t->addr, v->kind == OT_AV_ABSENT ? t->loc : v->loc,
             v->kind == OT_AV_ABSENT ? "%s is not set (default false)" : "%s = false", attr_name);
    }
}

/* A setting that must be present and non-empty. */
static void want_set(struct cx *c, enum rule_ix r, const char *addr, struct ot_loc where,
                     const struct ot_av *v, const char *attr_name)
{
    attr_name = v->name != NULL ? v->name : attr_name; /* as the input spells it */
    if (v->kind == OT_AV_UNKNOWN) {
        emit(c, r, OT_VERDICT_UNKNOWN, addr, v->loc, "cannot decide %s: its value is `%s`",
             attr_name, v->s != NULL ? v->s : "?");
    } else if (v->kind == OT_AV_ABSENT) {
        emit(c, r, OT_VERDICT_FAIL, addr, where, "%s is not set", attr_name);
    } else if (v->kind == OT_AV_STR && (v->s == NULL || v->s[0] == '\0')) {
        emit(c, r, OT_VERDICT_FAIL, addr, v->loc, "%s is empty", attr_name);
    }
}

static void check_trail(struct cx *c, const struct ot_m_trail *t)
{
    if (t->is_store) {
        want_set(c, R_STORE_KMS, t->addr, t->loc, &t->kms_key, "kms_key_id");
        return;
    }
    want_bool(c, R_MULTI_REGION, t, &t->multi_region, false, "is_multi_region_trail");
    want_bool(c, R_ORG_TRAIL, t, &t->organization, false, "is_organization_trail");
    want_bool(c, R_VALIDATION, t, &t->validation, false, "enable_log_file_validation");
    want_bool(c, R_LOGGING, t, &t->logging, true, "enable_logging");
    want_bool(c, R_GLOBAL_EVENTS, t, &t->global_events, true, "include_global_service_events");
    want_set(c, R_KMS, t->addr, t->loc, &t->kms_key, "kms_key_id");
    want_set(c, R_CLOUDWATCH, t->addr, t->loc, &t->cw_group, "cloud_watch_logs_group_arn");
    want_set(c, R_TRAIL_SNS, t->addr, t->loc, &t->sns_topic, "sns_topic_name");
    if (!t->has_insights && t->insights_unknown) {
        emit(c, R_INSIGHTS, OT_VERDICT_UNKNOWN, t->addr, t->loc,
             "insight selectors come from a dynamic block");
    } else if (!t->has_insights) {
        emit(c, R_INSIGHTS, OT_VERDICT_FAIL, t->addr, t->loc, "no insight_selector");
    }
    if (t->data == OT_DATA_ALL) {
        emit(c, R_DATA_EVENTS, OT_VERDICT_FAIL, t->addr, t->data_loc,
             "selects %s: every such event is billed at $0.10 per 100,000",
             t->data_what != NULL ? t->data_what : "every data event");
    } else if (t->data == OT_DATA_UNKNOWN) {
        emit(c, R_DATA_EVENTS, OT_VERDICT_UNKNOWN, t->addr, t->loc,
             "cannot decide which data events are selected: the values are not static");
    }
}

static bool records_mgmt(const struct ot_m_trail *t)
{
    return !t->is_store && !t->mgmt_off && !(t->logging.kind == OT_AV_BOOL && !t->logging.b);
}

static bool same_account(const struct ot_m_trail *x, const struct ot_m_trail *y)
{
    return (x->account == NULL && y->account == NULL) ||
           (x->account != NULL && y->account != NULL && strcmp(x->account, y->account) == 0);
}

static void check_duplicates(struct cx *c)
{
    /* Trails are in reverse input order: in each account, report every trail
     * recording management events but the first declared. */
    for (const struct ot_m_trail *t = c->a->m.trails; t != NULL; t = t->next) {
        const struct ot_m_trail *first = NULL;
        if (!records_mgmt(t)) {
            continue;
        }
        for (const struct ot_m_trail *u = t->next; u != NULL; u = u->next) {
            if (records_mgmt(u) && same_account(t, u)) {
                first = u; /* declared before t; keep going to the very first */
            }
        }
        if (first != NULL) {
            emit(c, R_DUPLICATE, OT_VERDICT_FAIL, t->addr, t->loc,
                 "records management events again (first copy: %s at %s:%u)", first->addr,
                 first->loc.file, first->loc.line);
        }
    }
}

static bool pab_on(const struct ot_m_bucket *k)
{
    for (int i = 0; i < 4; i++) {
        if (k->pab[i].kind != OT_AV_BOOL || !k->pab[i].b) {
            return false;
        }
    }
    return k->pab_seen;
}

static void check_bucket(struct cx *c, const struct ot_m_trail *t, const struct ot_m_bucket *k)
{
    static const char *const public_acls[] = { "public-read", "public-read-write",
                                               "authenticated-read" };
    for (size_t i = 0; i < 3; i++) {
        if (k->acl.kind == OT_AV_STR && strcmp(k->acl.s, public_acls[i]) == 0) {
            emit(c, R_BUCKET_PUBLIC, OT_VERDICT_FAIL, k->addr, k->acl.loc, "canned ACL \"%s\"",
                 k->acl.s);
        }
    }
    if (k->policy_public) {
        emit(c, R_BUCKET_PUBLIC, OT_VERDICT_FAIL, k->addr, k->policy_loc,
             "bucket policy allows Principal \"*\" without a condition");
    }
    if (!pab_on(k)) {
        emit(c, R_BUCKET_PAB, OT_VERDICT_FAIL, k->addr, k->pab_seen ? k->pab_loc : k->loc,
             k->pab_seen ? "aws_s3_bucket_public_access_block does not set all four settings "
                           "to true"
                         : "no aws_s3_bucket_public_access_block for this bucket");
    }
    if (t->account != NULL && k->account != NULL && strcmp(t->account, k->account) == 0) {
        emit(c, R_BUCKET_ACCOUNT, OT_VERDICT_FAIL, k->addr, k->loc,
             "declared with the same provider (%s) as %s, so in the same account", k->account,
             t->addr);
    }
    if (!k->logging) {
        emit(c, R_BUCKET_LOGGING, OT_VERDICT_FAIL, k->addr, k->loc, "no access logging");
    }
    if (!k->lifecycle) {
        emit(c, R_BUCKET_LIFECYCLE, OT_VERDICT_FAIL, k->addr, k->loc, "no lifecycle rule");
    } else if (!k->lc_archive || !k->lc_expire) {
        emit(c, R_BUCKET_LIFECYCLE, OT_VERDICT_FAIL, k->addr, k->lc_loc, "the lifecycle has %s",
             !k->lc_archive ? "no transition to an archive tier" : "no expiration");
    }
    bool mfa = k->mfa_delete.kind == OT_AV_BOOL && k->mfa_delete.b;
    bool lock = k->object_lock.kind == OT_AV_BOOL && k->object_lock.b;
    if (!mfa && !lock) {
        emit(c, R_BUCKET_MFA_LOCK, OT_VERDICT_FAIL, k->addr, k->loc,
             "no MFA delete on versioning and no object lock");
    }
}

static bool covers(const struct ot_m_filter *f, unsigned ctl)
{
    if (f->pattern.kind != OT_AV_STR) {
        return false;
    }
    for (unsigned i = 0; i < 20 && cis_tokens[ctl][i] != NULL; i++) {
        if (strstr(f->pattern.s, cis_tokens[ctl][i]) == NULL) {
            return false;
        }
    }
    return true;
}

/* The NAME of "arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*", or @s itself. */
static struct ot_sv group_name(const char *s)
{
    const char *p = strstr(s, ":log-group:");
    if (p == NULL) {
        return ot_sv_cstr(s);
    }
    p += strlen(":log-group:");
    const char *e = strchr(p, ':');
    return (struct ot_sv){ p, e != NULL ? (size_t)(e - p) : strlen(p) };
}

/* Is the filter on a log group some trail delivers to? Values that cannot be
 * compared statically (unknown, or a reference against a literal) count as yes:
 * never a finding on a guess. */
static bool watches_a_trail(const struct ot_model *m, const struct ot_m_filter *f)
{
    const struct ot_av *fg = &f->log_group;
    if (fg->kind != OT_AV_STR && fg->kind != OT_AV_REF) {
        return true;
    }
    for (const struct ot_m_trail *t = m->trails; t != NULL; t = t->next) {
        const struct ot_av *tg = &t->cw_group;
        if (t->is_store || tg->kind == OT_AV_ABSENT) {
            continue;
        }
        if (tg->kind != fg->kind || tg->s == NULL || fg->s == NULL) {
            return true;
        }
        if (tg->kind == OT_AV_REF ? strcmp(tg->s, fg->s) == 0
                                  : ot_sv_eq(group_name(tg->s), group_name(fg->s))) {
            return true;
        }
    }
    return false;
}

static bool same_value(const struct ot_av *x, const struct ot_av *y)
{
    return x->kind == y->kind && (x->kind == OT_AV_STR || x->kind == OT_AV_REF) && x->s != NULL &&
           y->s != NULL && strcmp(x->s, y->s) == 0;
}

/* Does this alarm notify a topic that has a subscriber (or lies outside the inputs)? */
static bool notifies(const struct ot_model *m, const struct ot_m_alarm *al)
{
    for (unsigned i = 0; i < al->nactions; i++) {
        const struct ot_av *act = &al->actions[i];
        if (act->kind == OT_AV_STR || act->kind == OT_AV_UNKNOWN) {
            return true; /* an ARN literal or a computed topic: not ours to check */
        }
        if (act->kind != OT_AV_REF) {
            continue;
        }
        for (const struct ot_m_topic *t = m->topics; t != NULL; t = t->next) {
            if (strcmp(t->addr, act->s) != 0) {
                continue;
            }
            if (t->inline_subs > 0) {
                return true;
            }
            for (const struct ot_m_sub *s = m->subs; s != NULL; s = s->next) {
                if (s->topic.kind == OT_AV_REF && strcmp(s->topic.s, t->addr) == 0) {
                    return true;
                }
            }
        }
        bool declared = false;
        for (const struct ot_m_topic *t = m->topics; t != NULL; t = t->next) {
            declared |= strcmp(t->addr, act->s) == 0;
        }
        if (!declared) {
            return true; /* a topic outside the inputs */
        }
    }
    return false;
}

static void check_cis(struct cx *c, const struct ot_m_trail *t)
{
    const struct ot_model *m = &c->a->m;
    bool any_cw = false;
    for (const struct ot_m_trail *u = m->trails; u != NULL; u = u->next) {
        any_cw |= !u->is_store && u->cw_group.kind != OT_AV_ABSENT;
    }
    for (unsigned ctl = 0; ctl < 15; ctl++) {
        enum rule_ix r = (enum rule_ix)(R_CIS_FIRST + ctl);
        if (!any_cw) {
            emit(c, r, OT_VERDICT_FAIL, t->addr, t->loc,
                 "no metric filter: no trail delivers to CloudWatch Logs");
            continue;
        }
        const struct ot_m_filter *f = NULL;
        for (f = m->filters; f != NULL && !(covers(f, ctl) && watches_a_trail(m, f)); f = f->next) {
        }
        if (f == NULL) {
            emit(c, r, OT_VERDICT_FAIL, t->addr, t->loc,
                 "no metric filter on the trail's log group whose pattern names every event of "
                 "CIS %s",
                 rules[r].cis);
            continue;
        }
        const struct ot_m_alarm *al = NULL;
        for (al = m->alarms; al != NULL && !same_value(&al->metric_name, &f->metric_name);
             al = al->next) {
        }
        if (al == NULL) {
            emit(c, r, OT_VERDICT_FAIL, f->addr, f->loc,
                 "metric filter has no alarm on its metric %s",
                 f->metric_name.s != NULL ? f->metric_name.s : "(unnamed)");
        } else if (!notifies(m, al)) {
            emit(c, r, OT_VERDICT_FAIL, al->addr, al->loc,
                 "alarm has no action topic with a subscriber");
        }
    }
}

static void check_alarms(struct cx *c)
{
    for (const struct ot_m_alarm *al = c->a->m.alarms; al != NULL; al = al->next) {
        if (!notifies(&c->a->m, al)) {
            emit(c, R_ALARM_NOTIFY, OT_VERDICT_FAIL, al->addr, al->loc,
                 al->nactions == 0 ? "no alarm_actions"
                                   : "alarm_actions name topics without a subscription");
        }
    }
}

static void check_tf(struct cx *c)
{
    const struct ot_m_tf *tf = &c->a->m.tf;
    if (!tf->seen) {
        return;
    }
    struct ot_loc where = tf->tf_loc.file != NULL ? tf->tf_loc : tf->first;
    const char *module = where.file != NULL ? where.file : "terraform";
    if (tf->first.file != NULL && !tf->has_required_version) {
        emit(c, R_TF_VERSION, OT_VERDICT_FAIL, module, where,
             "no terraform { required_version = ... }");
    }
    if (tf->first.file != NULL && !tf->has_backend) {
        emit(c, R_TF_BACKEND, OT_VERDICT_FAIL, module, where,
             "no terraform { backend \"...\" { } } block");
    }
    for (const struct ot_m_pin *p = tf->pins; p != NULL; p = p->next) {
        if (p->version.kind == OT_AV_ABSENT) {
            emit(c, R_TF_PIN, OT_VERDICT_FAIL, p->provider, p->loc,
                 "required_providers.%s has no version", p->provider);
        }
    }
    for (const struct ot_m_pin *r = tf->regions; r != NULL; r = r->next) {
        bool pinned = false;
        for (const struct ot_m_pin *p = tf->pins; p != NULL; p = p->next) {
            pinned |= strcmp(p->provider, r->provider) == 0;
        }
        if (!pinned) {
            emit(c, R_TF_PIN, OT_VERDICT_FAIL, r->provider, r->loc,
                 "provider \"%s\" is not listed in required_providers", r->provider);
        }
        if (r->version.kind == OT_AV_STR) {
            emit(c, R_TF_REGION, OT_VERDICT_FAIL, r->provider, r->version.loc, "region = \"%s\"",
                 r->version.s);
        }
    }
    for (const struct ot_m_pin *s = tf->states; s != NULL; s = s->next) {
        emit(c, R_TF_STATE, OT_VERDICT_FAIL, s->provider, s->loc, "state file %s", s->provider);
    }
}

ot_status ot_rules_run(struct ot_advise *a, struct ot_error *err)
{
    struct cx c = { .a = a };
    const struct ot_m_trail *first_trail = NULL;
    for (const struct ot_m_trail *t = a->m.trails; t != NULL; t = t->next) {
        check_trail(&c, t);
        if (t->is_store) {
            continue;
        }
        first_trail = t;
        if (t->bucket.kind == OT_AV_ABSENT) {
            continue;
        }
        struct ot_m_bucket *k = (struct ot_m_bucket *)ot_model_bucket(&a->m, &t->bucket);
        if (k != NULL && k->unseen) {
            emit(&c, R_BUCKET_UNSEEN, OT_VERDICT_UNKNOWN, t->addr, t->bucket.loc,
                 "every export of bucket `%s` is empty: the API calls were refused or not run",
                 k->addr);
        } else if (k != NULL && !k->audited) {
            k->audited = true;
            check_bucket(&c, t, k);
        } else if (k == NULL) {
            emit(&c, R_BUCKET_UNSEEN, OT_VERDICT_UNKNOWN, t->addr, t->bucket.loc,
                 "bucket `%s` is not declared in the inputs",
                 t->bucket.s != NULL ? t->bucket.s : "?");
        }
    }
    check_duplicates(&c);
    if (first_trail != NULL) {
        check_cis(&c, first_trail); /* account-wide: reported once, at the first trail */
    }
    check_alarms(&c);
    check_tf(&c);
    if (c.nomem) {
        return ot_fail(err, OT_E_NOMEM, "free memory", "out of memory running the rules");
    }
    if (c.limit) {
        return ot_fail(err, OT_E_LIMIT, "audit fewer files at once", "more than %u findings",
                       OT_ADVISE_MAX_FINDINGS);
    }
    return OT_OK;
}
