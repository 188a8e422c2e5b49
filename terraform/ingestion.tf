# Where logs come from: a Kinesis stream (new or existing), S3 buckets (new or
# existing) whose new objects reach the rules function directly, through SNS
# or through SQS, SNS topics, and SQS queues.

locals {
  kinesis_stream_name = coalesce(var.kinesis.name, var.name_prefix)
  kinesis_enabled     = var.kinesis.create || var.kinesis.existing_arn != null
  kinesis_stream_arn = (
    var.kinesis.create
    ? "arn:${local.partition}:kinesis:${local.region}:${local.account_id}:stream/${local.kinesis_stream_name}"
    : var.kinesis.existing_arn
  )

  log_buckets = {
    for name, b in var.log_buckets : name => merge(b, {
      arn = "arn:${local.partition}:s3:::${name}"
      # Queue and topic names allow letters, digits, '-' and '_' only.
      channel_name = "${var.name_prefix}-s3-${substr(replace(name, ".", "-"), 0, 60)}"
    })
  }
  log_buckets_sns = { for name, b in local.log_buckets : name => b if b.notification == "sns" }
  log_buckets_sqs = { for name, b in local.log_buckets : name => b if b.notification == "sqs" }

  # SNS topics the rules function subscribes to, keyed by a name known when
  # planning: S3 notification topics, new topics, existing topics.
  sns_subscriptions = merge(
    { for name, b in local.log_buckets_sns : "s3:${name}" => "${local.sns_arn_prefix}:${b.channel_name}" },
    { for n in var.sns_topics.new_names : "new:${n}" => "${local.sns_arn_prefix}:${n}" },
    { for arn in var.sns_topics.existing_arns : "existing:${arn}" => arn },
  )

  # SQS queues the rules function reads.
  sqs_event_sources = merge(
    { for name, b in local.log_buckets_sqs : "s3:${name}" => "${local.sqs_arn_prefix}:${b.channel_name}" },
    { for arn in var.sqs_sources.queue_arns : "existing:${arn}" => arn },
  )

  # KMS keys of sources this module did not create (the function decrypts with them).
  source_kms_key_arns = distinct(compact(concat(
    [var.kinesis.existing_kms_key_arn],
    [for b in values(var.log_buckets) : b.kms_key_arn if !b.create],
    var.sqs_sources.kms_key_arns,
  )))
}

# ---------------------------------------------------------------- Kinesis

resource "aws_kinesis_stream" "this" {
  count            = var.kinesis.create ? 1 : 0
  name             = local.kinesis_stream_name
  retention_period = var.kinesis.retention_hours
  shard_count      = var.kinesis.stream_mode == "PROVISIONED" ? var.kinesis.shard_count : null
  encryption_type  = "KMS"
  kms_key_id       = local.kms_key_arn
  tags             = local.tags

  stream_mode_details {
    stream_mode = var.kinesis.stream_mode
  }
}

resource "aws_lambda_event_source_mapping" "kinesis" {
  count                              = local.kinesis_enabled ? 1 : 0
  function_name                      = module.rules_function.function_arn
  event_source_arn                   = local.kinesis_stream_arn
  starting_position                  = var.kinesis_event_source.starting_position
  batch_size                         = var.kinesis_event_source.batch_size
  maximum_batching_window_in_seconds = var.kinesis_event_source.maximum_batching_window_in_seconds
  parallelization_factor             = var.kinesis_event_source.parallelization_factor
  maximum_retry_attempts             = var.kinesis_event_source.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.kinesis_event_source.maximum_record_age_in_seconds
  bisect_batch_on_function_error     = var.kinesis_event_source.bisect_batch_on_function_error
  # The function reports the sequence number of the first record it could
  # not process; only the rest of the batch from there is retried.
  function_response_types = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = local.rules_failures_arn
    }
  }

  depends_on = [aws_kinesis_stream.this, aws_sqs_queue.rules_failures]
}

# ---------------------------------------------------------------- S3 log buckets

module "log_bucket" {
  for_each        = { for name, b in var.log_buckets : name => b if b.create }
  source          = "./modules/bucket"
  name            = each.key
  kms_key_arn     = local.kms_key_arn
  expiration_days = each.value.expiration_days
  force_destroy   = var.force_destroy
  tags            = local.tags
}

resource "aws_lambda_permission" "s3" {
  for_each       = { for name, b in local.log_buckets : name => b if b.notification == "direct" }
  statement_id   = "s3-${replace(each.key, ".", "-")}"
  action         = "lambda:InvokeFunction"
  function_name  = module.rules_function.function_name
  principal      = "s3.${local.dns_suffix}"
  source_arn     = each.value.arn
  source_account = local.account_id
}

resource "aws_sns_topic" "s3" {
  for_each          = local.log_buckets_sns
  name              = each.value.channel_name
  kms_master_key_id = local.kms_key_arn
  tags              = local.tags
}

data "aws_iam_policy_document" "s3_topic" {
  for_each = local.log_buckets_sns
  statement {
    sid       = "BucketPublishes"
    actions   = ["sns:Publish"]
    resources = ["${local.sns_arn_prefix}:${each.value.channel_name}"]
    principals {
      type        = "Service"
      identifiers = ["s3.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [each.value.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "s3" {
  for_each = local.log_buckets_sns
  arn      = aws_sns_topic.s3[each.key].arn
  policy   = data.aws_iam_policy_document.s3_topic[each.key].json
}

resource "aws_sqs_queue" "s3" {
  for_each                          = local.log_buckets_sqs
  name                              = each.value.channel_name
  visibility_timeout_seconds        = 6 * var.rules_timeout + var.sqs_event_source.maximum_batching_window_in_seconds
  message_retention_seconds         = 1209600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = local.rules_failures_arn
    maxReceiveCount     = var.sqs_event_source.max_receive_count
  })
  tags       = local.tags
  depends_on = [aws_sqs_queue.rules_failures]
}

data "aws_iam_policy_document" "s3_queue" {
  for_each = local.log_buckets_sqs
  statement {
    sid       = "BucketSends"
    actions   = ["sqs:SendMessage"]
    resources = ["${local.sqs_arn_prefix}:${each.value.channel_name}"]
    principals {
      type        = "Service"
      identifiers = ["s3.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [each.value.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "s3" {
  for_each  = local.log_buckets_sqs
  queue_url = aws_sqs_queue.s3[each.key].id
  policy    = data.aws_iam_policy_document.s3_queue[each.key].json
}

resource "aws_s3_bucket_notification" "logs" {
  for_each = { for name, b in local.log_buckets : name => b if b.notification != "none" }
  bucket   = each.key

  dynamic "lambda_function" {
    for_each = each.value.notification == "direct" ? [1] : []
    content {
      lambda_function_arn = module.rules_function.function_arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = each.value.filter_prefix
      filter_suffix       = each.value.filter_suffix
    }
  }

  dynamic "topic" {
    for_each = each.value.notification == "sns" ? [1] : []
    content {
      topic_arn     = aws_sns_topic.s3[each.key].arn
      events        = ["s3:ObjectCreated:*"]
      filter_prefix = each.value.filter_prefix
      filter_suffix = each.value.filter_suffix
    }
  }

  dynamic "queue" {
    for_each = each.value.notification == "sqs" ? [1] : []
    content {
      queue_arn     = aws_sqs_queue.s3[each.key].arn
      events        = ["s3:ObjectCreated:*"]
      filter_prefix = each.value.filter_prefix
      filter_suffix = each.value.filter_suffix
    }
  }

  # S3 checks that it may deliver before it accepts the configuration.
  depends_on = [module.log_bucket, aws_lambda_permission.s3, aws_sns_topic_policy.s3, aws_sqs_queue_policy.s3]
}

# ---------------------------------------------------------------- SNS

resource "aws_sns_topic" "source" {
  for_each          = toset(var.sns_topics.new_names)
  name              = each.key
  kms_master_key_id = local.kms_key_arn
  tags              = local.tags
}

resource "aws_lambda_permission" "sns" {
  for_each      = local.sns_subscriptions
  statement_id  = "sns-${substr(sha256(each.key), 0, 16)}"
  action        = "lambda:InvokeFunction"
  function_name = module.rules_function.function_name
  principal     = "sns.${local.dns_suffix}"
  source_arn    = each.value
}

resource "aws_sns_topic_subscription" "rules" {
  for_each   = local.sns_subscriptions
  topic_arn  = each.value
  protocol   = "lambda"
  endpoint   = module.rules_function.function_arn
  depends_on = [aws_sns_topic.s3, aws_sns_topic.source, aws_lambda_permission.sns]
}

# ---------------------------------------------------------------- SQS

resource "aws_lambda_event_source_mapping" "sqs" {
  for_each                           = local.sqs_event_sources
  function_name                      = module.rules_function.function_arn
  event_source_arn                   = each.value
  batch_size                         = var.sqs_event_source.batch_size
  maximum_batching_window_in_seconds = var.sqs_event_source.maximum_batching_window_in_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.sqs_event_source.maximum_concurrency == null ? [] : [var.sqs_event_source.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  depends_on = [aws_sqs_queue.s3]
}
