variable "name_prefix" {
  description = "Prefix of every alarm name."
  type        = string
}

variable "topic_arn" {
  description = "SNS topic alarms (and their return to OK) are sent to."
  type        = string
}

variable "function_names" {
  description = "Lambda functions whose Errors and Throttles are alarmed on, by short name (rules, alerts)."
  type        = map(string)
}

variable "iterator_age_function_names" {
  description = "Functions fed by a stream whose IteratorAge is alarmed on, by short name."
  type        = map(string)
  default     = {}
}

variable "iterator_age_threshold_ms" {
  description = "Alarm when the oldest record a stream-fed function reads is older than this (ms)."
  type        = number
  default     = 300000
}

variable "dead_letter_queue_names" {
  description = "SQS queues that should stay empty (dead letters, failed invocations), by short name."
  type        = map(string)
}

variable "dead_letter_age_threshold_seconds" {
  description = "Alarm when a message has waited in a dead-letter queue this long (s)."
  type        = number
  default     = 3600
}

variable "custom_metrics" {
  description = "StreamAlert's own metrics (CloudWatch Embedded Metric Format in the functions' logs) alarmed on when their sum over the period reaches the threshold."
  type        = map(number)
}

variable "custom_metric_namespace" {
  description = "Namespace of StreamAlert's metrics."
  type        = string
  default     = "StreamAlert"
}

variable "custom_metric_dimension_keys" {
  description = "The dimension names each of StreamAlert's metrics is emitted with (a metric not listed: none). The alarm sums the metric over every value of these dimensions (a CloudWatch Metrics Insights query), so a new rule, source or output is covered without a new alarm."
  type        = map(list(string))
  default     = {}
}

variable "period_seconds" {
  description = "Evaluation period of every alarm (s)."
  type        = number
  default     = 300
}

variable "tags" {
  description = "Tags for every alarm."
  type        = map(string)
  default     = {}
}
