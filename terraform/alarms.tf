# Alarms to the operators' SNS topic (created, encrypted, unless one is given).

locals {
  create_alarm_topic = var.alarms_enabled && var.alarm_topic_arn == null
  alarm_topic_name   = "${var.name_prefix}-operators"
  alarm_topic_arn    = var.alarm_topic_arn != null ? var.alarm_topic_arn : "${local.sns_arn_prefix}:${local.alarm_topic_name}"

  dead_letter_queue_names = merge(
    {
      alerts-dlq     = local.alerts_dlq_name
      rules-failures = local.rules_failures_name
    },
    var.dead_letter == "sqs" ? { dead-letter = "${var.name_prefix}-dead-letter" } : {},
  )
}

resource "aws_sns_topic" "operators" {
  count             = local.create_alarm_topic ? 1 : 0
  name              = local.alarm_topic_name
  kms_master_key_id = local.kms_key_arn
  tags              = local.tags
}

data "aws_iam_policy_document" "operators_topic" {
  count = local.create_alarm_topic ? 1 : 0
  statement {
    sid       = "AlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [local.alarm_topic_arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }
}

resource "aws_sns_topic_policy" "operators" {
  count  = local.create_alarm_topic ? 1 : 0
  arn    = aws_sns_topic.operators[0].arn
  policy = data.aws_iam_policy_document.operators_topic[0].json
}

resource "aws_sns_topic_subscription" "operators" {
  for_each  = local.create_alarm_topic ? toset(var.alarm_emails) : toset([])
  topic_arn = aws_sns_topic.operators[0].arn
  protocol  = "email"
  endpoint  = each.key
}

module "alarms" {
  count       = var.alarms_enabled ? 1 : 0
  source      = "./modules/alarms"
  name_prefix = var.name_prefix
  topic_arn   = local.create_alarm_topic ? aws_sns_topic.operators[0].arn : var.alarm_topic_arn
  function_names = {
    rules  = module.rules_function.function_name
    alerts = module.alerts_function.function_name
  }
  iterator_age_function_names       = local.kinesis_enabled ? { rules = module.rules_function.function_name } : {}
  iterator_age_threshold_ms         = var.alarm_thresholds.iterator_age_ms
  dead_letter_queue_names           = local.dead_letter_queue_names
  dead_letter_age_threshold_seconds = var.alarm_thresholds.dead_letter_age_seconds
  custom_metrics                    = var.alarm_thresholds.metrics
  custom_metric_dimension_keys      = var.metric_dimension_keys
  period_seconds                    = var.alarm_thresholds.period_seconds
  tags                              = local.tags
}
