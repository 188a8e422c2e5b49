package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamalert-go/streamalert/engine"
)

// Metric names served by GET /metrics (a contract: dashboards use them).
var (
	descRaw = prometheus.NewDesc("streamalert_raw_records_total",
		"Raw records read from every input, including rejected ones.", nil, nil)
	descClassified = prometheus.NewDesc("streamalert_records_classified_total",
		"Records classified, by log type (one raw record may yield several).", []string{"log_type"}, nil)
	descUnclassified = prometheus.NewDesc("streamalert_records_unclassified_total",
		"Raw records that matched no schema (written to the dead letter).", nil, nil)
	descAlerts = prometheus.NewDesc("streamalert_alerts_total",
		"Alerts, by rule.", []string{"rule"}, nil)
	descRuleErrors = prometheus.NewDesc("streamalert_rule_errors_total",
		"Run-time errors of rules (each counted as not triggered), by rule.", []string{"rule"}, nil)
	descReloads = prometheus.NewDesc("streamalert_reloads_total",
		"Rule and schema reloads, by result (ok, failed).", []string{"result"}, nil)
	descLastReload = prometheus.NewDesc("streamalert_last_reload_success_timestamp_seconds",
		"When the ruleset in service was loaded (Unix time).", nil, nil)
	descLastFailed = prometheus.NewDesc("streamalert_last_reload_failed",
		"1 when the latest reload failed and an older ruleset is still in service.", nil, nil)
	descRules = prometheus.NewDesc("streamalert_rules",
		"Rules in the ruleset in service (enabled or not).", nil, nil)
)

// statsCollector reads the processor's counters at scrape time, so the hot
// path pays nothing for metrics.
type statsCollector struct {
	proc    *engine.Processor
	reloads *reloadStats
}

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRaw, descClassified, descUnclassified, descAlerts, descRuleErrors, descReloads, descLastReload, descLastFailed, descRules} {
		ch <- d
	}
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.proc.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(descRaw, st.Raw.Load())
	counter(descUnclassified, st.Unclassified.Load())
	for lt, n := range st.ByLogType() {
		counter(descClassified, n, lt)
	}
	b := c.proc.Bundle()
	// Every rule in service shows, at zero when it never fired, so a
	// dashboard can tell "quiet" from "missing".
	alerts := st.ByRule()
	if b.Rules != nil {
		for _, r := range b.Rules.Rules() {
			if _, ok := alerts[r.Name]; !ok {
				alerts[r.Name] = 0
			}
		}
	}
	for rule, n := range alerts {
		counter(descAlerts, n, rule)
	}
	for rule, n := range c.proc.RuleErrorCounts() {
		counter(descRuleErrors, n, rule)
	}
	counter(descReloads, c.reloads.ok.Load(), "ok")
	counter(descReloads, c.reloads.failed.Load(), "failed")
	last := c.reloads.lastOK.Load()
	if last == 0 {
		last = b.Loaded.UnixNano()
	}
	gauge(descLastReload, float64(time.Unix(0, last).UnixMilli())/1000)
	failed := 0.0
	if c.reloads.lastFailed.Load() {
		failed = 1
	}
	gauge(descLastFailed, failed)
	if b.Rules != nil {
		gauge(descRules, float64(len(b.Rules.Rules())))
	}
}

// newRegistry returns a private registry (no process-global state, so
// several sessions in one process — tests — do not collide) with the engine
// collector and any extra collectors (the outputs' delivery counters).
func newRegistry(proc *engine.Processor, reloads *reloadStats, extra ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(statsCollector{proc: proc, reloads: reloads})
	reg.MustRegister(extra...)
	return reg
}

// mergeCollector exposes the merger's state: alerts folded into summaries
// not yet sent, and alerts sent unmerged because the group bound was
// reached (a loud warning on stderr says so too).
func mergeCollector(m *engine.Merger) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "streamalert_merge_held_alerts",
			Help: "Alerts folded into merge summaries not sent yet."}, func() float64 { return float64(m.Pending()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "streamalert_merge_unmerged_alerts_total",
			Help: "Alerts sent unmerged because the bound of open merge groups was reached."}, func() float64 { return float64(m.Overflowed()) }),
	}
}
