output "alarm_names" {
  description = "Names of every alarm created."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.function : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.iterator_age : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.queue : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.custom : a.alarm_name],
  )
}
