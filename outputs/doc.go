// Package outputs delivers alerts to the services rules name in their
// `outputs` list ("service:descriptor"): Slack, PagerDuty, generic webhooks,
// Microsoft Teams, Jira, GitHub, Opsgenie, AWS SNS/SQS/S3/Lambda/Firehose/
// CloudWatch Logs, and, locally, stdout and a JSON-lines file.
//
// Each service is one file behind the small Output interface. New builds one
// Output per descriptor declared in streamalert.yaml, validating its settings
// (errors name the descriptor and its file:line:col). A Dispatcher sends an
// alert to all of its outputs concurrently; each delivery is retried with
// bounded exponential backoff and jitter (honouring HTTP 429 Retry-After),
// and an alert that still fails goes, with the error, to a DeadLetter. No
// alert is lost silently: Dispatch returns an error only when an alert could
// neither be delivered nor dead-lettered, so the caller can retry it.
//
// Secrets (webhook URLs, tokens, keys) are references in the configuration
// ("env:NAME", "file:PATH", "ssm:/path", "secretsmanager:name"), resolved by
// Secrets and cached for a TTL. A resolved secret never appears in an error
// message, a log line or a dead letter: errors pass through Secrets.Redact,
// and HTTP errors never carry request URLs.
package outputs
