# The two functions, each with its own role. Every statement names exact
# resources; the only "*" resource is X-Ray's (added by the function module
# when tracing is on), which has no resource-level permissions.

locals {
  dead_letter_env = var.dead_letter == "sqs" ? tomap({
    DEAD_LETTER_QUEUE_URL = local.dead_letter_queue_url
    }) : tomap({
    DEAD_LETTER_BUCKET = one(module.dead_letter_bucket[*].name)
    DEAD_LETTER_PREFIX = local.dead_letter_prefix
  })

  # Exactly what lambda/rules reads (DESIGN.md, "AWS topology").
  rules_environment = merge(tomap({
    RULES_BUCKET       = module.rules_bucket.name
    RULES_PREFIX       = var.rules_prefix
    RULES_REFRESH      = var.rules_refresh
    ALERTS_QUEUE_URL   = local.alerts_queue_url
    ALERTS_STATE_TABLE = aws_dynamodb_table.alert_state.name
  }), local.dead_letter_env)

  # Exactly what lambda/alerts reads.
  alerts_environment = {
    ALERTS_STATE_TABLE = aws_dynamodb_table.alert_state.name
    ALERTS_QUEUE_URL   = local.alerts_queue_url
    RULES_BUCKET       = module.rules_bucket.name
    RULES_PREFIX       = var.rules_prefix
  }

  dead_letter_prefix = trim(var.dead_letter_prefix, "/")

  secret_prefix = var.secret_name_prefix == null ? null : trimprefix(var.secret_name_prefix, "/")
  ssm_parameter_arns = concat(
    local.secret_prefix == null ? [] : ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${local.secret_prefix}*"],
    [for n in var.ssm_parameter_names : "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(n, "/")}"],
  )
  secretsmanager_arns = concat(
    # Secret names keep a leading "/" in their ARN; parameter names do not.
    var.secret_name_prefix == null ? [] : ["arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.secret_name_prefix}*"],
    var.secretsmanager_secret_arns,
  )
}

# ---------------------------------------------------------------- rules

data "aws_iam_policy_document" "rules" {
  statement {
    sid       = "ReadRuleSet"
    actions   = ["s3:GetObject"]
    resources = ["${module.rules_bucket.arn}/${local.rules_key_prefix}*"]
  }

  statement {
    sid       = "ListRuleSet"
    actions   = ["s3:ListBucket"]
    resources = [module.rules_bucket.arn]
    dynamic "condition" {
      # With no prefix the function lists the whole (dedicated) bucket.
      for_each = local.rules_key_prefix == "" ? [] : [1]
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${local.rules_key_prefix}*"]
      }
    }
  }

  statement {
    sid       = "SendAlerts"
    actions   = ["sqs:SendMessage"]
    resources = [local.alerts_queue_arn]
  }

  statement {
    # Thresholds, dedup periods and merge groups shared by every instance
    # (a merge window is closed by a conditional delete).
    sid       = "CountAlerts"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.state_table_name}"]
  }

  statement {
    sid = "SendFailures"
    # The Kinesis mapping's and asynchronous invocations' on-failure
    # destination are sent with the function's role.
    actions   = ["sqs:SendMessage"]
    resources = [local.rules_failures_arn]
  }

  dynamic "statement" {
    for_each = var.dead_letter == "sqs" ? [1] : []
    content {
      sid       = "WriteDeadLetterQueue"
      actions   = ["sqs:SendMessage"]
      resources = [local.dead_letter_queue_arn]
    }
  }

  dynamic "statement" {
    for_each = var.dead_letter == "s3" ? [1] : []
    content {
      sid       = "WriteDeadLetterBucket"
      actions   = ["s3:PutObject"]
      resources = ["${one(module.dead_letter_bucket[*].arn)}/${local.dead_letter_prefix}/*"]
    }
  }

  dynamic "statement" {
    for_each = local.kinesis_enabled ? [1] : []
    content {
      sid = "ReadStream"
      actions = [
        "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
        "kinesis:GetShardIterator", "kinesis:ListShards",
      ]
      resources = [local.kinesis_stream_arn]
    }
  }

  dynamic "statement" {
    for_each = length(local.sqs_event_sources) == 0 ? [] : [1]
    content {
      sid       = "ReadQueues"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = sort(values(local.sqs_event_sources))
    }
  }

  dynamic "statement" {
    for_each = length(local.log_buckets) == 0 ? [] : [1]
    content {
      sid       = "ReadLogObjects"
      actions   = ["s3:GetObject"]
      resources = [for b in values(local.log_buckets) : "${b.arn}/${b.filter_prefix}*"]
    }
  }

  statement {
    sid       = "UseDeploymentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
  }

  dynamic "statement" {
    for_each = length(local.source_kms_key_arns) == 0 ? [] : [1]
    content {
      sid       = "DecryptSources"
      actions   = ["kms:Decrypt"]
      resources = local.source_kms_key_arns
    }
  }
}

module "rules_function" {
  source                         = "./modules/function"
  name                           = local.rules_function_name
  description                    = "StreamAlert: classify records and run the rules"
  account_id                     = local.account_id
  zip_path                       = local.rules_zip_path
  architecture                   = var.architecture
  memory_size                    = var.rules_memory_size
  timeout                        = var.rules_timeout
  reserved_concurrent_executions = var.rules_reserved_concurrency
  environment                    = local.rules_environment
  log_retention_days             = var.log_retention_days
  kms_key_arn                    = local.kms_key_arn
  tracing                        = var.tracing
  policy_json                    = data.aws_iam_policy_document.rules.json
  async_on_failure               = true
  async_on_failure_arn           = aws_sqs_queue.rules_failures.arn
  permissions_boundary_arn       = var.permissions_boundary_arn
  tags                           = local.tags
}

# ---------------------------------------------------------------- alerts

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "ReadOutputsConfiguration"
    actions   = ["s3:GetObject"]
    resources = ["${module.rules_bucket.arn}/${local.rules_key_prefix}streamalert.yaml"]
  }

  statement {
    sid = "TellMissingConfigurationFromDenied"
    # Without it S3 answers 403 instead of 404 for a missing file.
    actions   = ["s3:ListBucket"]
    resources = [module.rules_bucket.arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = ["${local.rules_key_prefix}streamalert.yaml"]
    }
  }

  statement {
    sid       = "AlertState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.state_table_name}"]
  }

  statement {
    # The scheduled flush puts merge summaries on the alerts queue.
    sid       = "QueueMergeSummaries"
    actions   = ["sqs:SendMessage"]
    resources = [local.alerts_queue_arn]
  }

  statement {
    sid       = "ReadAlerts"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [local.alerts_queue_arn]
  }

  statement {
    sid       = "UseDeploymentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [local.kms_key_arn]
  }

  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) == 0 ? [] : [1]
    content {
      sid       = "ReadSSMSecrets"
      actions   = ["ssm:GetParameter"]
      resources = local.ssm_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.secretsmanager_arns) == 0 ? [] : [1]
    content {
      sid       = "ReadSecretsManagerSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secretsmanager_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) == 0 ? [] : [1]
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.output_sns_topic_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputSNS"
      actions   = ["sns:Publish"]
      resources = var.output_sns_topic_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.output_sqs_queue_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputSQS"
      actions   = ["sqs:SendMessage"]
      resources = var.output_sqs_queue_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.output_lambda_function_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputLambda"
      actions   = ["lambda:InvokeFunction"]
      resources = var.output_lambda_function_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.output_firehose_stream_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputFirehose"
      actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
      resources = var.output_firehose_stream_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.output_s3_bucket_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputS3"
      actions   = ["s3:PutObject"]
      resources = [for arn in var.output_s3_bucket_arns : "${arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.output_log_group_arns) == 0 ? [] : [1]
    content {
      sid       = "OutputCloudWatchLogs"
      actions   = ["logs:PutLogEvents"]
      resources = [for arn in var.output_log_group_arns : "${trimsuffix(arn, ":*")}:log-stream:*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.output_kms_key_arns) == 0 ? [] : [1]
    content {
      sid       = "EncryptForOutputs"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = var.output_kms_key_arns
    }
  }
}

module "alerts_function" {
  source                         = "./modules/function"
  name                           = local.alerts_function_name
  description                    = "StreamAlert: deliver alerts to their outputs"
  account_id                     = local.account_id
  zip_path                       = local.alerts_zip_path
  architecture                   = var.architecture
  memory_size                    = var.alerts_memory_size
  timeout                        = var.alerts_timeout
  reserved_concurrent_executions = var.alerts_reserved_concurrency
  environment                    = local.alerts_environment
  log_retention_days             = var.log_retention_days
  kms_key_arn                    = local.kms_key_arn
  tracing                        = var.tracing
  policy_json                    = data.aws_iam_policy_document.alerts.json
  permissions_boundary_arn       = var.permissions_boundary_arn
  tags                           = local.tags
}

resource "aws_lambda_event_source_mapping" "alerts" {
  function_name                      = module.alerts_function.function_arn
  event_source_arn                   = local.alerts_queue_arn
  batch_size                         = var.alerts_event_source.batch_size
  maximum_batching_window_in_seconds = var.alerts_event_source.maximum_batching_window_in_seconds
  # An alert that failed is reported alone; the others are deleted.
  function_response_types = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.alerts_event_source.maximum_concurrency == null ? [] : [var.alerts_event_source.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  depends_on = [aws_sqs_queue.alerts]
}

# Merge summaries are sent when their window ends, not only when a later
# alert happens to arrive: every minute the alerts function closes the
# groups whose window ended and queues their summaries.
resource "aws_cloudwatch_event_rule" "merge_flush" {
  name                = "${local.alerts_function_name}-merge-flush"
  description         = "StreamAlert: send merge summaries whose window ended"
  schedule_expression = var.merge_flush_schedule
  tags                = local.tags
}

resource "aws_cloudwatch_event_target" "merge_flush" {
  rule = aws_cloudwatch_event_rule.merge_flush.name
  arn  = module.alerts_function.function_arn
}

resource "aws_lambda_permission" "merge_flush" {
  statement_id  = "MergeFlushSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.alerts_function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.merge_flush.arn
}
