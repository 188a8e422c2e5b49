# StreamAlert on a Kinesis stream you already have, plus an existing log
# bucket whose new objects arrive through SQS, dead letters in SQS, X-Ray
# tracing and alarm e-mails.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "region" {
  description = "AWS region to deploy to (the stream's region)."
  type        = string
  default     = "us-east-1"
}

variable "kinesis_stream_arn" {
  description = "ARN of your existing stream (replace the example value)."
  type        = string
  default     = "arn:aws:kinesis:us-east-1:123456789012:stream/security-logs"
}

variable "kinesis_kms_key_arn" {
  description = "The stream's customer managed KMS key, or null (unencrypted or the AWS managed key)."
  type        = string
  default     = null
}

variable "log_bucket" {
  description = "Name of your existing bucket of CloudTrail logs (replace the example value)."
  type        = string
  default     = "example-org-cloudtrail-logs"
}

variable "operator_email" {
  description = "Who receives the alarms (confirm the subscription e-mail)."
  type        = string
  default     = "secops@example.com"
}

variable "rules_zip_path" {
  description = "Zip of lambda/rules; null: dist/rules_arm64.zip at the repository's root."
  type        = string
  default     = null
}

variable "alerts_zip_path" {
  description = "Zip of lambda/alerts; null: dist/alerts_arm64.zip at the repository's root."
  type        = string
  default     = null
}

provider "aws" {
  region = var.region
}

module "streamalert" {
  source = "../.."

  name_prefix     = "secops"
  rules_prefix    = "prod"
  rules_zip_path  = var.rules_zip_path
  alerts_zip_path = var.alerts_zip_path

  kinesis = {
    create               = false
    existing_arn         = var.kinesis_stream_arn
    existing_kms_key_arn = var.kinesis_kms_key_arn
  }
  kinesis_event_source = {
    batch_size                         = 1000
    maximum_batching_window_in_seconds = 5
    parallelization_factor             = 2
    maximum_retry_attempts             = 5
    maximum_record_age_in_seconds      = 21600
    # LATEST: records already in the stream are not replayed through the
    # rules on the first deploy (TRIM_HORIZON would).
    starting_position = "LATEST"
  }

  log_buckets = {
    (var.log_bucket) = {
      notification  = "sqs"
      filter_prefix = "AWSLogs/"
      filter_suffix = ".json.gz"
    }
  }

  dead_letter = "sqs"
  tracing     = true

  rules_memory_size          = 1024
  rules_reserved_concurrency = 20

  alarm_emails = [var.operator_email]
}

output "rules_bucket" {
  description = "The rules bucket."
  value       = module.streamalert.rules_bucket
}

output "analysts_policy_arn" {
  description = "Attach to the analysts' role to let them upload rules."
  value       = module.streamalert.analysts_policy_arn
}

output "rules_push_command" {
  description = "Check and upload the rule set; run it at the repository's root."
  value       = "${module.streamalert.rules_push_command} --rules rules.d/ --config terraform/examples/existing-stream/streamalert.yaml"
}
