# One customer managed key encrypts everything this module creates. The key
# policy leaves IAM in charge for principals of the account (the functions'
# roles get kms: permissions on this key only) and admits the three services
# that encrypt on their own behalf: CloudWatch Logs (the functions' log
# groups), S3 (notifications into encrypted topics and queues) and CloudWatch
# (alarms into the encrypted operators topic).

data "aws_iam_policy_document" "kms_key" {
  count = var.kms_key_arn == null ? 1 : 0

  statement {
    sid = "AccountAdministersThroughIAM"
    # A key policy's own resource is always "*" (this key).
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsTheFunctionsLogs"
    actions = [
      "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
      "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-*"]
    }
  }

  statement {
    sid = "S3AndCloudWatchSendToEncryptedTopicsAndQueues"
    # As AWS documents it for S3 notifications and alarms into encrypted
    # topics and queues: no source condition (the services do not all pass
    # one to KMS). What they may send where is limited by the topics' and
    # queues' own policies (this bucket, these alarms).
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["s3.${local.dns_suffix}", "cloudwatch.${local.dns_suffix}"]
    }
  }
}

resource "aws_kms_key" "this" {
  count                   = var.kms_key_arn == null ? 1 : 0
  description             = "StreamAlert ${var.name_prefix}: rules bucket, queues, state table, stream, topics, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_key[0].json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  count         = var.kms_key_arn == null ? 1 : 0
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this[0].key_id
}
