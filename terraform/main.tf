# StreamAlert on AWS: one `terraform apply` deploys the rules bucket, the
# ingestion (Kinesis, S3, SNS, SQS), the two Lambda functions with one
# least-privilege role each, the alerts queue and its dead-letter queue, the
# dead letter for unclassified records, the alert state table, and the alarms.
#
# Names and ARNs of the resources this module creates are computed from their
# names (not read back from the resources), so the IAM policies, environment
# and redrive policies are complete in a plan and can be reviewed (and
# tested) before anything exists. Only the ARN of a KMS key this module
# creates is known after apply.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {
  count = var.account_id == null ? 1 : 0
}

locals {
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  region     = data.aws_region.current.name
  account_id = var.account_id != null ? var.account_id : one(data.aws_caller_identity.current[*].account_id)

  tags = merge({ "streamalert:deployment" = var.name_prefix }, var.tags)

  sqs_arn_prefix = "arn:${local.partition}:sqs:${local.region}:${local.account_id}"
  sns_arn_prefix = "arn:${local.partition}:sns:${local.region}:${local.account_id}"

  # Zips as `make package` writes them (dist/ at the repository's root).
  zip_arch        = var.architecture == "arm64" ? "arm64" : "amd64"
  rules_zip_path  = coalesce(var.rules_zip_path, "${path.module}/../dist/rules_${local.zip_arch}.zip")
  alerts_zip_path = coalesce(var.alerts_zip_path, "${path.module}/../dist/alerts_${local.zip_arch}.zip")

  rules_function_name  = "${var.name_prefix}-rules"
  alerts_function_name = "${var.name_prefix}-alerts"

  # The rule set: PREFIX/rules.d/**, PREFIX/schemas/*, PREFIX/streamalert.yaml.
  rules_bucket_name = coalesce(var.rules_bucket_name, "${var.name_prefix}-rules-${local.account_id}-${local.region}")
  rules_key_prefix  = var.rules_prefix == "" ? "" : "${var.rules_prefix}/"

  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : one(aws_kms_key.this[*].arn)
}
