# ---------------------------------------------------------------- general

variable "name_prefix" {
  description = "Prefix of every resource name (functions, roles, queues, table, stream, alarms)."
  type        = string
  default     = "streamalert"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name_prefix))
    error_message = "name_prefix: 1-32 characters, lower-case letters, digits and '-'."
  }
}

variable "account_id" {
  description = "AWS account ID; null looks it up with STS (set it to plan without reaching AWS)."
  type        = string
  default     = null
  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id: 12 digits."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the bucket, queues, table, stream, topics and logs; null creates one (with rotation and the key policy those services need)."
  type        = string
  default     = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the functions' roles, or null."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete buckets that still hold objects."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------- rules bucket

variable "rules_bucket_name" {
  description = "Name of the rules bucket; null: NAME_PREFIX-rules-ACCOUNT-REGION."
  type        = string
  default     = null
}

variable "rules_prefix" {
  description = "Key prefix of the rule set in the bucket (RULES_PREFIX): PREFIX/rules.d/**, PREFIX/schemas/*, PREFIX/streamalert.yaml. \"\" is the bucket's root."
  type        = string
  default     = ""
  validation {
    condition     = !startswith(var.rules_prefix, "/") && !endswith(var.rules_prefix, "/")
    error_message = "rules_prefix: no leading or trailing '/' (it is joined with '/')."
  }
}

variable "rules_refresh" {
  description = "How often a warm rules function re-checks the bucket for a new rule set (RULES_REFRESH, a Go duration)."
  type        = string
  default     = "60s"
  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$", var.rules_refresh))
    error_message = "rules_refresh: a Go duration such as 60s or 5m."
  }
}

variable "rules_noncurrent_version_days" {
  description = "Days a replaced rule file's old version is kept (to roll back)."
  type        = number
  default     = 90
}

# ---------------------------------------------------------------- functions

variable "architecture" {
  description = "Instruction set of both functions: arm64 (the default, cheaper) or x86_64; picks the zip built for it."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture: arm64 or x86_64."
  }
}

variable "rules_zip_path" {
  description = "Zip of lambda/rules; null: dist/rules_arm64.zip (or rules_amd64.zip) in the repository, as `make package` writes it."
  type        = string
  default     = null
}

variable "alerts_zip_path" {
  description = "Zip of lambda/alerts; null: dist/alerts_arm64.zip (or alerts_amd64.zip) in the repository, as `make package` writes it."
  type        = string
  default     = null
}

variable "rules_memory_size" {
  description = "Memory of the rules function in MB."
  type        = number
  default     = 512
}

variable "rules_timeout" {
  description = "Timeout of the rules function in seconds."
  type        = number
  default     = 120
}

variable "rules_reserved_concurrency" {
  description = "Reserved concurrency of the rules function; -1: unreserved."
  type        = number
  default     = -1
}

variable "alerts_memory_size" {
  description = "Memory of the alerts function in MB."
  type        = number
  default     = 256
}

variable "alerts_timeout" {
  description = "Timeout of the alerts function in seconds (the alerts queue's visibility timeout is six times this)."
  type        = number
  default     = 60
}

variable "alerts_reserved_concurrency" {
  description = "Reserved concurrency of the alerts function; -1: unreserved."
  type        = number
  default     = -1
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups in days."
  type        = number
  default     = 30
}

variable "tracing" {
  description = "AWS X-Ray active tracing on both functions."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------- ingestion

variable "kinesis" {
  description = <<-EOT
    The Kinesis stream the rules function reads. create = true (the default) makes
    a new encrypted stream (name defaults to NAME_PREFIX; stream_mode ON_DEMAND or
    PROVISIONED with shard_count). create = false with existing_arn reads a stream
    you have (existing_kms_key_arn: its KMS key, if it is encrypted with a customer
    managed key). create = false without existing_arn: no stream.
  EOT
  type = object({
    create               = optional(bool, true)
    name                 = optional(string)
    stream_mode          = optional(string, "ON_DEMAND")
    shard_count          = optional(number, 1)
    retention_hours      = optional(number, 24)
    existing_arn         = optional(string)
    existing_kms_key_arn = optional(string)
  })
  default  = {}
  nullable = false
  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.kinesis.stream_mode)
    error_message = "kinesis.stream_mode: ON_DEMAND or PROVISIONED."
  }
  validation {
    condition     = !(var.kinesis.create && var.kinesis.existing_arn != null)
    error_message = "kinesis: set create = false to use existing_arn."
  }
  validation {
    condition     = var.kinesis.existing_arn == null || can(regex("^arn:[a-z-]+:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[A-Za-z0-9_.-]+$", var.kinesis.existing_arn))
    error_message = "kinesis.existing_arn: a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)."
  }
}

variable "kinesis_event_source" {
  description = "How the rules function reads the stream: batch size and window, parallelization factor, retries, maximum record age, bisecting a failing batch, starting position. Records that still fail go to the rules failures queue."
  type = object({
    batch_size                         = optional(number, 500)
    maximum_batching_window_in_seconds = optional(number, 1)
    parallelization_factor             = optional(number, 1)
    maximum_retry_attempts             = optional(number, 3)
    maximum_record_age_in_seconds      = optional(number, 3600)
    bisect_batch_on_function_error     = optional(bool, true)
    starting_position                  = optional(string, "LATEST")
  })
  default  = {}
  nullable = false
  validation {
    condition     = contains(["LATEST", "TRIM_HORIZON"], var.kinesis_event_source.starting_position)
    error_message = "kinesis_event_source.starting_position: LATEST or TRIM_HORIZON."
  }
  validation {
    condition     = var.kinesis_event_source.parallelization_factor >= 1 && var.kinesis_event_source.parallelization_factor <= 10
    error_message = "kinesis_event_source.parallelization_factor: 1 to 10."
  }
}

variable "log_buckets" {
  description = <<-EOT
    S3 buckets holding logs, by bucket name. create = true makes the bucket
    (versioned, SSE-KMS, private, TLS-only; expiration_days optional); false uses
    yours (kms_key_arn: its KMS key, if any). notification: how new objects reach
    the rules function: "direct" (S3 invokes it), "sns" or "sqs" (through a new
    topic or queue), or "none" (you wire it). Terraform owns the bucket's whole
    notification configuration unless notification = "none".
    filter_prefix / filter_suffix narrow the notification and the read grant.
  EOT
  type = map(object({
    create          = optional(bool, false)
    notification    = optional(string, "direct")
    filter_prefix   = optional(string, "")
    filter_suffix   = optional(string, "")
    kms_key_arn     = optional(string)
    expiration_days = optional(number)
  }))
  default  = {}
  nullable = false
  validation {
    condition     = alltrue([for b in values(var.log_buckets) : contains(["direct", "sns", "sqs", "none"], b.notification)])
    error_message = "log_buckets[*].notification: direct, sns, sqs or none."
  }
}

variable "sns_topics" {
  description = "SNS topics whose messages the rules function reads. New topics (names) are created encrypted; existing ones are given by ARN."
  type = object({
    new_names     = optional(list(string), [])
    existing_arns = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "sqs_sources" {
  description = "Existing SQS queues whose messages the rules function reads (by ARN), and the KMS keys they are encrypted with."
  type = object({
    queue_arns   = optional(list(string), [])
    kms_key_arns = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "sqs_event_source" {
  description = "How the rules function reads SQS queues (S3 notifications through SQS and sqs_sources), and how often a message is received before it goes to the rules failures queue."
  type = object({
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number)
    max_receive_count                  = optional(number, 5)
  })
  default  = {}
  nullable = false
}

# ---------------------------------------------------------------- dead letters and queues

variable "dead_letter" {
  description = "Where the rules function writes records no schema classified and records a rule failed on: \"s3\" (a dead-letter bucket, under dead_letter_prefix) or \"sqs\" (a queue)."
  type        = string
  default     = "s3"
  validation {
    condition     = contains(["s3", "sqs"], var.dead_letter)
    error_message = "dead_letter: s3 or sqs."
  }
}

variable "dead_letter_bucket_name" {
  description = "Name of the dead-letter bucket (dead_letter = \"s3\"); null: NAME_PREFIX-dead-letter-ACCOUNT-REGION."
  type        = string
  default     = null
}

variable "dead_letter_prefix" {
  description = "Key prefix of dead letters in the dead-letter bucket (DEAD_LETTER_PREFIX; the rules function writes PREFIX/dt=.../...)."
  type        = string
  default     = "unclassified"
  validation {
    condition     = trim(var.dead_letter_prefix, "/") != ""
    error_message = "dead_letter_prefix: not empty (the function would fall back to its own default, outside the write grant)."
  }
}

variable "dead_letter_retention_days" {
  description = "Days dead letters are kept (bucket objects, or queue messages up to SQS's 14)."
  type        = number
  default     = 14
}

variable "alerts_max_receive_count" {
  description = "Deliveries of an alert the alerts function may fail before the alert moves to the alerts dead-letter queue."
  type        = number
  default     = 5
}

variable "alerts_event_source" {
  description = "How the alerts function reads the alerts queue."
  type = object({
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number)
  })
  default  = {}
  nullable = false
}

variable "state_table_deletion_protection" {
  description = "Deletion protection of the alert state table."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------- outputs (where alerts go)

variable "secret_name_prefix" {
  description = "The alerts function may read SSM parameters and Secrets Manager secrets whose names start with this (outputs' ssm:/secretsmanager: references); null: only the exact names below."
  type        = string
  default     = "streamalert/"
}

variable "ssm_parameter_names" {
  description = "Further SSM parameters (names) the alerts function may read."
  type        = list(string)
  default     = []
}

variable "secretsmanager_secret_arns" {
  description = "Further Secrets Manager secrets (ARNs) the alerts function may read."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arns" {
  description = "Customer managed KMS keys the secrets are encrypted with (the AWS managed aws/ssm and aws/secretsmanager keys need no grant)."
  type        = list(string)
  default     = []
}

variable "output_sns_topic_arns" {
  description = "SNS topics aws-sns outputs publish to."
  type        = list(string)
  default     = []
}

variable "output_sqs_queue_arns" {
  description = "SQS queues aws-sqs outputs send to."
  type        = list(string)
  default     = []
}

variable "output_lambda_function_arns" {
  description = "Lambda functions aws-lambda outputs invoke."
  type        = list(string)
  default     = []
}

variable "output_firehose_stream_arns" {
  description = "Firehose delivery streams aws-firehose outputs write to."
  type        = list(string)
  default     = []
}

variable "output_s3_bucket_arns" {
  description = "S3 buckets aws-s3 outputs write alerts to (objects anywhere in them)."
  type        = list(string)
  default     = []
}

variable "output_log_group_arns" {
  description = "CloudWatch Logs groups aws-cloudwatch-log outputs write to (their existing streams)."
  type        = list(string)
  default     = []
}

variable "output_kms_key_arns" {
  description = "KMS keys the output destinations above are encrypted with."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------- alarms

variable "alarms_enabled" {
  description = "Create the CloudWatch alarms."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify; null creates NAME_PREFIX-operators (encrypted)."
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the created operators topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "alarm_thresholds" {
  description = "Thresholds: iterator age (ms), dead-letter message age (s), and StreamAlert's metrics (a sum per period over all dimension values; a metric left out is not alarmed on). RulesetEmbeddedFallback: the rules function could not load the bucket's rule set at cold start and serves the embedded one."
  type = object({
    iterator_age_ms         = optional(number, 300000)
    dead_letter_age_seconds = optional(number, 3600)
    period_seconds          = optional(number, 300)
    metrics = optional(map(number), {
      UnclassifiedRecords     = 1
      RuleErrors              = 1
      DeliveryFailures        = 1
      RulesetReloadFailures   = 1
      RulesetEmbeddedFallback = 1
    })
  })
  default  = {}
  nullable = false
}

variable "metric_dimension_keys" {
  description = "The dimension names the functions emit each of StreamAlert's metrics with (namespace StreamAlert; a metric not listed has none). Each alarm sums its metric over all values of these."
  type        = map(list(string))
  default = {
    UnclassifiedRecords = ["Source"]
    RuleErrors          = ["Rule"]
    DeliveryFailures    = ["Output"]
  }
}

variable "merge_flush_schedule" {
  description = "How often the alerts function sends the summaries of merge groups whose window ended (an EventBridge schedule expression)."
  type        = string
  default     = "rate(1 minute)"
}
