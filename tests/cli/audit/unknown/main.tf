variable "validation" {
  type = bool
}

resource "aws_cloudtrail" "t" {
  name                       = "t"
  is_multi_region_trail      = var.multi ? true : false
  enable_log_file_validation = var.validation
  kms_key_id                 = lookup(var.keys, "trail", null)
  s3_bucket_name             = "bucket-elsewhere"
}

provider "aws" {
  region = "eu-west-1"
}
