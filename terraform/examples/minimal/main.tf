# The smallest StreamAlert deployment: a new Kinesis stream, the rules bucket,
# and a Slack output whose webhook URL is read from an SSM parameter (plus the
# PagerDuty routing key the shipped rules' second output needs).
#
#   make package                      # at the repository's root: dist/*.zip
#   terraform init && terraform apply
#   terraform output -raw rules_push_command

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
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
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

variable "slack_webhook_parameter" {
  description = "SSM SecureString parameter holding the Slack webhook URL (streamalert.yaml refers to it as ssm:NAME)."
  type        = string
  default     = "/streamalert/slack/security"
}

variable "pagerduty_routing_key_parameter" {
  description = "SSM SecureString parameter holding the PagerDuty Events API v2 routing key (the shipped rules also page pagerduty-v2:oncall)."
  type        = string
  default     = "/streamalert/pagerduty/oncall"
}

provider "aws" {
  region = var.region
}

module "streamalert" {
  source = "../.."

  name_prefix     = "streamalert"
  rules_zip_path  = var.rules_zip_path
  alerts_zip_path = var.alerts_zip_path

  # A new on-demand stream named "streamalert", encrypted with the
  # deployment's key.
  kinesis = {
    create      = true
    stream_mode = "ON_DEMAND"
  }

  # The outputs' secrets, exactly (streamalert.yaml names them as
  # ssm:NAME). The default secret_name_prefix ("streamalert/") would cover
  # them too; naming them keeps the grant to these two.
  secret_name_prefix  = null
  ssm_parameter_names = [var.slack_webhook_parameter, var.pagerduty_routing_key_parameter]
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
  value       = "${module.streamalert.rules_push_command} --rules rules.d/ --config terraform/examples/minimal/streamalert.yaml"
}

output "kinesis_stream_name" {
  description = "Send logs here."
  value       = module.streamalert.kinesis_stream_name
}
