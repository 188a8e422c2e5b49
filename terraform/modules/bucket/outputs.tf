output "name" {
  description = "The bucket's name (known when planning)."
  value       = var.name
  depends_on  = [aws_s3_bucket.this]
}

output "arn" {
  description = "The bucket's ARN (computed from its name, so known when planning)."
  value       = local.arn
  depends_on  = [aws_s3_bucket.this]
}
