# Not an example: a configuration for the tests that turns on every option
# of the root module (new and existing log buckets through each kind of
# notification, SNS and SQS sources, every output grant, a key and an alarm
# topic of one's own, x86_64, tracing, a rules prefix), so that each code
# path is planned and checked.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "rules_zip_path" {
  description = "Zip of lambda/rules."
  type        = string
  default     = null
}

variable "alerts_zip_path" {
  description = "Zip of lambda/alerts."
  type        = string
  default     = null
}

provider "aws" {
  region = "eu-west-1"
}

locals {
  account = "123456789012"
}

module "streamalert" {
  source = "../.."

  name_prefix     = "sa-test"
  rules_prefix    = "team/prod"
  architecture    = "x86_64"
  tracing         = true
  rules_zip_path  = var.rules_zip_path
  alerts_zip_path = var.alerts_zip_path
  kms_key_arn     = "arn:aws:kms:eu-west-1:${local.account}:key/11111111-2222-3333-4444-555555555555"

  kinesis = {
    create      = true
    name        = "sa-test-logs"
    stream_mode = "PROVISIONED"
    shard_count = 2
  }

  log_buckets = {
    "sa-test-new-direct" = { create = true, notification = "direct", expiration_days = 30 }
    "sa-test-new-sns"    = { create = true, notification = "sns", filter_suffix = ".gz" }
    "existing.sqs.logs"  = { notification = "sqs", filter_prefix = "AWSLogs/", kms_key_arn = "arn:aws:kms:eu-west-1:${local.account}:key/bucket-key" }
    "existing-unwired"   = { notification = "none" }
  }

  sns_topics = {
    new_names     = ["sa-test-feed"]
    existing_arns = ["arn:aws:sns:eu-west-1:${local.account}:vendor-feed"]
  }
  sqs_sources = {
    queue_arns   = ["arn:aws:sqs:eu-west-1:${local.account}:vendor-queue"]
    kms_key_arns = ["arn:aws:kms:eu-west-1:${local.account}:key/queue-key"]
  }
  sqs_event_source = {
    maximum_concurrency = 5
  }
  alerts_event_source = {
    batch_size          = 5
    maximum_concurrency = 2
  }

  dead_letter = "sqs"

  secret_name_prefix         = "/sa-test/"
  ssm_parameter_names        = ["/other/slack"]
  secretsmanager_secret_arns = ["arn:aws:secretsmanager:eu-west-1:${local.account}:secret:pagerduty-AbCdEf"]
  secrets_kms_key_arns       = ["arn:aws:kms:eu-west-1:${local.account}:key/secrets-key"]

  output_sns_topic_arns       = ["arn:aws:sns:eu-west-1:${local.account}:alerts-out"]
  output_sqs_queue_arns       = ["arn:aws:sqs:eu-west-1:${local.account}:alerts-out"]
  output_lambda_function_arns = ["arn:aws:lambda:eu-west-1:${local.account}:function:alert-handler"]
  output_firehose_stream_arns = ["arn:aws:firehose:eu-west-1:${local.account}:deliverystream/alerts"]
  output_s3_bucket_arns       = ["arn:aws:s3:::sa-test-alert-archive"]
  output_log_group_arns       = ["arn:aws:logs:eu-west-1:${local.account}:log-group:/alerts:*"]
  output_kms_key_arns         = ["arn:aws:kms:eu-west-1:${local.account}:key/outputs-key"]

  alarm_topic_arn          = "arn:aws:sns:eu-west-1:${local.account}:oncall"
  metric_dimension_keys    = { UnclassifiedRecords = ["Source", "Account"] }
  permissions_boundary_arn = "arn:aws:iam::${local.account}:policy/boundary"
}

output "rules_bucket" {
  description = "The rules bucket."
  value       = module.streamalert.rules_bucket
}

output "analysts_policy_arn" {
  description = "The analysts' policy."
  value       = module.streamalert.analysts_policy_arn
}

output "rules_push_command" {
  description = "The push command."
  value       = module.streamalert.rules_push_command
}
