# The alerts queue between the two functions, its dead-letter queue, and the
# rules failures queue: where the rules function's failed work ends up
# (Kinesis batches past their retries or age, S3/SNS invocations that failed
# every attempt, S3-notification messages received too often).

locals {
  alerts_queue_name     = "${var.name_prefix}-alerts"
  alerts_dlq_name       = "${var.name_prefix}-alerts-dlq"
  rules_failures_name   = "${var.name_prefix}-rules-failures"
  alerts_queue_arn      = "${local.sqs_arn_prefix}:${local.alerts_queue_name}"
  alerts_dlq_arn        = "${local.sqs_arn_prefix}:${local.alerts_dlq_name}"
  rules_failures_arn    = "${local.sqs_arn_prefix}:${local.rules_failures_name}"
  dead_letter_queue_arn = "${local.sqs_arn_prefix}:${var.name_prefix}-dead-letter"

  # Queue URLs as SQS forms them, so the functions' environment is complete
  # in a plan.
  sqs_url_prefix        = "https://sqs.${local.region}.${local.dns_suffix}/${local.account_id}"
  alerts_queue_url      = "${local.sqs_url_prefix}/${local.alerts_queue_name}"
  dead_letter_queue_url = "${local.sqs_url_prefix}/${var.name_prefix}-dead-letter"
}

resource "aws_sqs_queue" "alerts_dlq" {
  name                              = local.alerts_dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

resource "aws_sqs_queue" "alerts" {
  name = local.alerts_queue_name
  # AWS's advice for a queue a function reads: at least six times the
  # function's timeout, so a message is not received twice while a slow
  # invocation still works on it.
  visibility_timeout_seconds        = 6 * var.alerts_timeout + var.alerts_event_source.maximum_batching_window_in_seconds
  message_retention_seconds         = 345600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = local.alerts_dlq_arn
    maxReceiveCount     = var.alerts_max_receive_count
  })
  tags       = local.tags
  depends_on = [aws_sqs_queue.alerts_dlq]
}

resource "aws_sqs_queue_redrive_allow_policy" "alerts_dlq" {
  queue_url = aws_sqs_queue.alerts_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.alerts_queue_arn]
  })
}

resource "aws_sqs_queue" "rules_failures" {
  name                              = local.rules_failures_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

# The queues this module owns refuse requests that do not use TLS (as the
# buckets do); the functions and Lambda's pollers always use it.
locals {
  tls_only_queues = merge(
    {
      alerts         = local.alerts_queue_arn
      alerts_dlq     = local.alerts_dlq_arn
      rules_failures = local.rules_failures_arn
    },
    var.dead_letter == "sqs" ? { dead_letter = local.dead_letter_queue_arn } : {},
  )
  tls_only_queue_urls = merge(
    {
      alerts         = aws_sqs_queue.alerts.id
      alerts_dlq     = aws_sqs_queue.alerts_dlq.id
      rules_failures = aws_sqs_queue.rules_failures.id
    },
    var.dead_letter == "sqs" ? { dead_letter = one(aws_sqs_queue.dead_letter[*].id) } : {},
  )
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = local.tls_only_queues
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each  = local.tls_only_queues
  queue_url = local.tls_only_queue_urls[each.key]
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}
