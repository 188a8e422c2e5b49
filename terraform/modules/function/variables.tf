variable "name" {
  description = "Function name; also names its role and its log group /aws/lambda/NAME."
  type        = string
}

variable "account_id" {
  description = "AWS account the function runs in."
  type        = string
}

variable "description" {
  description = "Function description."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the deployment zip (one executable named bootstrap)."
  type        = string
}

variable "architecture" {
  description = "Instruction set: arm64 or x86_64."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; -1 leaves the function unreserved."
  type        = number
}

variable "environment" {
  description = "Environment variables (exactly the ones the function reads)."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key the log group is encrypted with (its key policy must admit CloudWatch Logs)."
  type        = string
}

variable "tracing" {
  description = "Turn on AWS X-Ray active tracing."
  type        = bool
}

variable "policy_json" {
  description = "The function's permissions (an IAM policy document); logging and, with tracing, X-Ray are added here."
  type        = string
}

variable "async_on_failure" {
  description = "Send asynchronous invocations (S3 and SNS triggers) that failed every attempt to async_on_failure_arn."
  type        = bool
  default     = false
}

variable "async_on_failure_arn" {
  description = "Where failed asynchronous invocations go (an SQS queue ARN) when async_on_failure is set."
  type        = string
  default     = null
}

variable "async_maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0-2)."
  type        = number
  default     = 2
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the function's role, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
