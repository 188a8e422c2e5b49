# The rules bucket (analysts upload YAML here; the functions only read it),
# the dead letter for records the rules function could not classify or a rule
# failed on, and the alert state table (thresholds, dedup, merging).

module "rules_bucket" {
  source                             = "./modules/bucket"
  name                               = local.rules_bucket_name
  kms_key_arn                        = local.kms_key_arn
  noncurrent_version_expiration_days = var.rules_noncurrent_version_days
  force_destroy                      = var.force_destroy
  tags                               = local.tags
}

# What the analysts' role needs to change detections with `streamalert rules
# push`: write and delete files under the prefix, and list and read them (the
# push uploads only what changed, deletes what was removed, and checks new
# rules against the schemas and streamalert.yaml already there), with the
# bucket's key as S3 uses it on their behalf. Nothing else: nothing outside
# the prefix, no bucket configuration, no direct use of the key.
data "aws_iam_policy_document" "analysts" {
  statement {
    sid       = "WriteRuleSet"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:GetObject"]
    resources = ["${module.rules_bucket.arn}/${local.rules_key_prefix}*"]
  }
  statement {
    sid       = "ListRuleSet"
    actions   = ["s3:ListBucket"]
    resources = [module.rules_bucket.arn]
    dynamic "condition" {
      for_each = local.rules_key_prefix == "" ? [] : [1]
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${local.rules_key_prefix}*"]
      }
    }
  }
  statement {
    sid       = "UseKeyThroughS3"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_policy" "analysts" {
  name        = "${var.name_prefix}-rules-upload"
  description = "Push StreamAlert rule sets to s3://${local.rules_bucket_name}/${local.rules_key_prefix} (write, delete, list, read under the prefix)"
  policy      = data.aws_iam_policy_document.analysts.json
  tags        = local.tags
}

module "dead_letter_bucket" {
  count                              = var.dead_letter == "s3" ? 1 : 0
  source                             = "./modules/bucket"
  name                               = coalesce(var.dead_letter_bucket_name, "${var.name_prefix}-dead-letter-${local.account_id}-${local.region}")
  kms_key_arn                        = local.kms_key_arn
  expiration_days                    = var.dead_letter_retention_days
  noncurrent_version_expiration_days = 1
  force_destroy                      = var.force_destroy
  tags                               = local.tags
}

resource "aws_sqs_queue" "dead_letter" {
  count                             = var.dead_letter == "sqs" ? 1 : 0
  name                              = "${var.name_prefix}-dead-letter"
  message_retention_seconds         = min(var.dead_letter_retention_days * 86400, 1209600)
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

locals {
  state_table_name = "${var.name_prefix}-alert-state"
}

resource "aws_dynamodb_table" "alert_state" {
  name                        = local.state_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.state_table_deletion_protection
  tags                        = local.tags

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }

  # Epoch seconds after which DynamoDB deletes a window's state.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }
}
