variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the KMS key objects are encrypted with (SSE-KMS)."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a replaced or deleted object version is removed."
  type        = number
  default     = 90
}

variable "expiration_days" {
  description = "Days after which current objects expire; null keeps them."
  type        = number
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds objects."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
