output "rules_bucket" {
  description = "Name of the rules bucket."
  value       = module.rules_bucket.name
}

output "rules_prefix" {
  description = "Key prefix of the rule set in the rules bucket (\"\": the bucket's root)."
  value       = var.rules_prefix
}

output "analysts_policy_arn" {
  description = "IAM policy to attach to the analysts' role: what `streamalert rules push` needs under the prefix (put, delete, list, get), nothing else."
  value       = aws_iam_policy.analysts.arn
}

output "rules_push_command" {
  description = "The command that uploads a checked rule set to this deployment."
  value       = "streamalert rules push --bucket ${module.rules_bucket.name}${var.rules_prefix == "" ? "" : " --prefix ${var.rules_prefix}"}"
}

output "rules_function_name" {
  description = "Name of the rules function."
  value       = module.rules_function.function_name
}

output "alerts_function_name" {
  description = "Name of the alerts function."
  value       = module.alerts_function.function_name
}

output "kinesis_stream_name" {
  description = "Name of the Kinesis stream the rules function reads (null without one)."
  value       = local.kinesis_enabled ? element(split("/", local.kinesis_stream_arn), 1) : null
}

output "kinesis_stream_arn" {
  description = "ARN of the Kinesis stream the rules function reads (null without one)."
  value       = local.kinesis_enabled ? local.kinesis_stream_arn : null
}

output "alerts_queue_url" {
  description = "URL of the queue between the rules and alerts functions."
  value       = aws_sqs_queue.alerts.url
}

output "alerts_dead_letter_queue_url" {
  description = "URL of the queue alerts land in after failing alerts_max_receive_count deliveries."
  value       = aws_sqs_queue.alerts_dlq.url
}

output "rules_failures_queue_url" {
  description = "URL of the queue the rules function's failed batches and invocations land in."
  value       = aws_sqs_queue.rules_failures.url
}

output "dead_letter" {
  description = "Where unclassified records go: s3://BUCKET/PREFIX or the queue URL."
  value       = var.dead_letter == "s3" ? "s3://${one(module.dead_letter_bucket[*].name)}/${local.dead_letter_prefix}/" : one(aws_sqs_queue.dead_letter[*].url)
}

output "alert_state_table" {
  description = "Name of the DynamoDB alert state table."
  value       = aws_dynamodb_table.alert_state.name
}

output "kms_key_arn" {
  description = "The KMS key the deployment's data is encrypted with."
  value       = local.kms_key_arn
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (null when alarms are off)."
  value       = var.alarms_enabled ? local.alarm_topic_arn : null
}

output "log_bucket_sns_topic_arns" {
  description = "SNS topics created for log buckets notifying through SNS, by bucket."
  value       = { for name, t in aws_sns_topic.s3 : name => t.arn }
}

output "log_bucket_sqs_queue_urls" {
  description = "SQS queues created for log buckets notifying through SQS, by bucket."
  value       = { for name, q in aws_sqs_queue.s3 : name => q.url }
}
