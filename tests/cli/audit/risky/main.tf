# Deliberately risky: each block breaks one or two rules (see test_audit.sh).
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = "~> 5.0"
  }
  backend "s3" {}
}

resource "aws_cloudtrail" "first" {
  name                          = "first"
  s3_bucket_name                = aws_s3_bucket.public.bucket
  is_multi_region_trail         = true
  is_organization_trail         = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.k.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.g.arn}:*"
  sns_topic_name                = aws_sns_topic.t.name
  insight_selector {
    insight_type = "ApiErrorRateInsight"
  }

  event_selector {
    read_write_type           = "All"
    include_management_events = true
    data_resource {
      type   = "AWS::Lambda::Function"
      values = ["arn:aws:lambda"]
    }
  }
}

resource "aws_cloudtrail" "second" {
  name                          = "second"
  s3_bucket_name                = "public-trail-logs"
  is_multi_region_trail         = true
  is_organization_trail         = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.k.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.g.arn}:*"
  sns_topic_name                = aws_sns_topic.t.name
  insight_selector {
    insight_type = "ApiCallRateInsight"
  }
}

resource "aws_s3_bucket" "public" {
  bucket = "public-trail-logs"
  acl    = "public-read"

  versioning {
    enabled    = true
    mfa_delete = true
  }

  logging {
    target_bucket = "access-logs"
  }

  lifecycle_rule {
    enabled = true
    transition {
      days          = 30
      storage_class = "GLACIER"
    }
  }
}

resource "aws_s3_bucket_policy" "public" {
  bucket = aws_s3_bucket.public.id
  policy = <<-POLICY
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::public-trail-logs/*"
      }]
    }
  POLICY
}

resource "aws_s3_bucket_public_access_block" "public" {
  bucket                  = aws_s3_bucket.public.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}
