# The alarms an operator of StreamAlert wants: the functions fail or are
# throttled, the stream falls behind, something lands in a dead-letter queue
# (or waits there), and StreamAlert's own counters of records it could not
# classify, rules that raised errors, alerts it could not deliver and rule
# sets it could not load. Every alarm notifies the topic when it fires and
# when it clears.

locals {
  function_alarms = merge([
    for short, fn in var.function_names : {
      "${short}-errors"    = { function = fn, metric = "Errors", description = "The ${fn} function returned errors." }
      "${short}-throttles" = { function = fn, metric = "Throttles", description = "The ${fn} function was throttled." }
    }
  ]...)

  queue_alarms = merge([
    for short, q in var.dead_letter_queue_names : {
      "${short}-depth" = {
        queue       = q
        metric      = "ApproximateNumberOfMessagesVisible"
        statistic   = "Maximum"
        threshold   = 0
        description = "Messages are waiting in ${q}: look at them and redrive or discard."
      }
      "${short}-age" = {
        queue       = q
        metric      = "ApproximateAgeOfOldestMessage"
        statistic   = "Maximum"
        threshold   = var.dead_letter_age_threshold_seconds
        description = "A message has waited in ${q} for more than ${var.dead_letter_age_threshold_seconds} s."
      }
    }
  ]...)
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each            = local.function_alarms
  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = each.value.function }
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  for_each            = var.iterator_age_function_names
  alarm_name          = "${var.name_prefix}-${each.key}-iterator-age"
  alarm_description   = "The ${each.value} function is more than ${var.iterator_age_threshold_ms} ms behind its stream."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = each.value }
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.iterator_age_threshold_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue" {
  for_each            = local.queue_alarms
  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/SQS"
  metric_name         = each.value.metric
  dimensions          = { QueueName = each.value.queue }
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

# StreamAlert's metrics carry dimensions (UnclassifiedRecords by Source,
# RuleErrors by Rule, DeliveryFailures by Output); an alarm on a plain metric
# matches one exact dimension set only, so each of these alarms sums its
# metric over every value of its dimensions with a Metrics Insights query.
resource "aws_cloudwatch_metric_alarm" "custom" {
  for_each            = var.custom_metrics
  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = "StreamAlert's ${each.key} reached ${each.value} in ${var.period_seconds} s (see the functions' logs)."
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags

  metric_query {
    id          = "total"
    label       = each.key
    return_data = true
    period      = var.period_seconds
    expression = format("SELECT SUM(%s) FROM SCHEMA(%s)", each.key, join(", ", [
      for n in concat([var.custom_metric_namespace], lookup(var.custom_metric_dimension_keys, each.key, [])) : "\"${n}\""
    ]))
  }
}
