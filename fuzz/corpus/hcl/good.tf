# A trail set up the way docs/audit.md recommends, split over the files of one
# module as people write it: variables resolve across files (vars.tf).
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
  backend "s3" {
    bucket = "org-tf-state"
    key    = "audit/terraform.tfstate"
  }
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "log_archive"
  region = var.region
}

locals {
  trail_name = "org-trail"
}

resource "aws_cloudtrail" "org" {
  name                          = local.trail_name
  s3_bucket_name                = aws_s3_bucket.logs.id
  is_multi_region_trail         = var.multi_region
  is_organization_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = "true"
  kms_key_id                    = aws_kms_key.trail.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.cwl.arn
  sns_topic_name                = aws_sns_topic.deliveries.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true
    data_resource {
      type   = "AWS::S3::Object"
      values = ["${aws_s3_bucket.secrets.arn}/"]
    }
  }
  insight_selector {
    insight_type = "ApiCallRateInsight"
  }
}

resource "aws_s3_bucket" "logs" {
  provider            = aws.log_archive
  bucket              = "org-cloudtrail-archive"
  object_lock_enabled = true
}

resource "aws_s3_bucket_public_access_block" "logs" {
  provider                = aws.log_archive
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_logging" "logs" {
  provider      = aws.log_archive
  bucket        = aws_s3_bucket.logs.id
  target_bucket = "org-access-logs"
  target_prefix = "cloudtrail/"
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  provider = aws.log_archive
  bucket   = aws_s3_bucket.logs.id
  rule {
    id     = "archive"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER"
    }
    expiration {
      days = 2555
    }
  }
}

resource "aws_sns_topic" "security" {
  name = "security-alerts"
}

resource "aws_sns_topic_subscription" "oncall" {
  topic_arn = aws_sns_topic.security.arn
  protocol  = "email"
  endpoint  = "security@example.com"
}

resource "aws_cloudwatch_log_metric_filter" "trail_changes" {
  name           = "cloudtrail-changes"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
  metric_transformation {
    name      = "CloudTrailChanges"
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "trail_changes" {
  alarm_name          = "cloudtrail-changes"
  metric_name         = "CloudTrailChanges"
  namespace           = "CISBenchmark"
  statistic           = "Sum"
  period              = 300
  threshold           = 1
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.security.arn]
}
