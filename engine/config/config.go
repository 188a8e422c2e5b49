// Package config reads streamalert.yaml: where logs come from (sources, in
// the shape of StreamAlert's data_sources), which outputs exist, and limits.
//
//	sources:                       # service → entity → log families or exact types
//	  kinesis:
//	    prefix_cluster1_streamalert: [cloudwatch, ghe, osquery]
//	  s3:
//	    prefix.cluster.sample.bucket: [cloudtrail, carbonblack]
//	  file:
//	    "*.auth.log": [syslog]       # an entity may be a glob (fnmatch)
//	outputs:                       # service → descriptor → settings
//	  slack:
//	    security: {webhook_url: "env:SLACK_WEBHOOK_URL"}
//	limits:
//	  max_record_size: 1048576
//	  max_decompressed_size: 1073741824 # gzip/zlib only; plain input has no limit
package config

import (
	"path"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Config is a loaded configuration. It is immutable after Load.
type Config struct {
	File string
	// Sources maps service → entity (exact name or fnmatch glob) → log
	// families ("osquery") or exact types ("osquery:differential").
	Sources map[string]map[string][]string
	// Outputs holds the declared outputs keyed by "service:descriptor".
	Outputs map[string]Output
	// StagingOutputs are where the alerts of staged rules (staged: true)
	// go instead of the rule's outputs: staged rules never page. Empty: a
	// staged rule's alerts go to no output (only stdout and the logs).
	StagingOutputs []string
	// MaxRecordSize is the largest raw record accepted, in bytes (0: default).
	MaxRecordSize int
	// MaxDecompressedSize is the decompression limit, in bytes: the most a
	// gzip or zlib payload may expand to (0: the default). Plain payloads
	// have no size limit.
	MaxDecompressedSize int64
}

// Output is one declared output descriptor.
type Output struct {
	Service    string
	Descriptor string
	// Settings are the raw settings. Secret values are references such as
	// "env:NAME", "file:PATH", "ssm:/path" or "secretsmanager:name", resolved
	// by package outputs; they are never inline secrets.
	Settings map[string]any
	Pos      diag.Pos
}

// Name returns "service:descriptor".
func (o Output) Name() string { return o.Service + ":" + o.Descriptor }

// Load parses a configuration file's bytes. file is used in positions.
func Load(data []byte, file string) (*Config, diag.List) {
	var diags diag.List
	cfg := &Config{File: file, Sources: map[string]map[string][]string{}, Outputs: map[string]Output{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		diags.Add(diag.YAMLSyntax(file, err))
		return nil, diags
	}
	if d := schema.CheckAliases(file, &doc); d != nil {
		diags.Add(*d)
		return nil, diags
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	var stagingNode *yaml.Node
	pos := func(n *yaml.Node) diag.Pos { return diag.Pos{File: file, Line: n.Line, Col: n.Column} }
	if root.Kind != yaml.MappingNode {
		diags.Errorf(pos(root), "wrong-type", "configuration must be a mapping")
		return nil, diags
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !slices.Contains(Keys, k.Value) {
			diags.Errorf(pos(k), "unknown-key", "unknown key %q (known: %s)", k.Value, knownList(Keys))
			continue
		}
		switch k.Value {
		case "sources":
			forEachPair(v, pos, &diags, "sources", func(svc, ents *yaml.Node) {
				m := map[string][]string{}
				forEachPair(ents, pos, &diags, "sources."+svc.Value, func(ent, logs *yaml.Node) {
					var l []string
					if err := logs.Decode(&l); err != nil || len(l) == 0 {
						diags.Errorf(pos(logs), "wrong-type", "sources.%s.%s must be a non-empty list of log families or types", svc.Value, ent.Value)
						return
					}
					if _, err := path.Match(ent.Value, ""); err != nil {
						diags.Errorf(pos(ent), "bad-glob", "entity pattern %q: %v", ent.Value, err)
					}
					m[ent.Value] = l
				})
				cfg.Sources[svc.Value] = m
			})
		case "outputs":
			forEachPair(v, pos, &diags, "outputs", func(svc, descs *yaml.Node) {
				forEachPair(descs, pos, &diags, "outputs."+svc.Value, func(desc, settings *yaml.Node) {
					var s map[string]any
					if settings.Kind != yaml.MappingNode && !(settings.Kind == yaml.ScalarNode && settings.Tag == "!!null") {
						diags.Errorf(pos(settings), "wrong-type", "outputs.%s.%s must be a mapping of settings", svc.Value, desc.Value)
						return
					}
					if err := settings.Decode(&s); err != nil {
						diags.Errorf(pos(settings), "wrong-type", "outputs.%s.%s: %v", svc.Value, desc.Value, err)
						return
					}
					o := Output{Service: svc.Value, Descriptor: desc.Value, Settings: s, Pos: pos(desc)}
					cfg.Outputs[o.Name()] = o
				})
			})
		case "staging_outputs":
			var l []string
			if err := v.Decode(&l); err != nil {
				diags.Errorf(pos(v), "wrong-type", "staging_outputs must be a list of outputs (service:descriptor)")
				break
			}
			cfg.StagingOutputs = l
			stagingNode = v
		case "limits":
			forEachPair(v, pos, &diags, "limits", func(lk, lv *yaml.Node) {
				if !slices.Contains(LimitKeys, lk.Value) {
					diags.Errorf(pos(lk), "unknown-key", "unknown key limits.%s (known: %s)", lk.Value, knownList(LimitKeys))
					return
				}
				switch lk.Value {
				case "max_record_size":
					if err := lv.Decode(&cfg.MaxRecordSize); err != nil || cfg.MaxRecordSize <= 0 {
						diags.Errorf(pos(lv), "wrong-type", "limits.max_record_size must be a positive integer (bytes)")
					}
				case "max_decompressed_size":
					if err := lv.Decode(&cfg.MaxDecompressedSize); err != nil || cfg.MaxDecompressedSize <= 0 {
						diags.Errorf(pos(lv), "wrong-type", "limits.max_decompressed_size must be a positive integer (bytes)")
					}
				}
			})
		}
	}
	if stagingNode != nil {
		for i, name := range cfg.StagingOutputs {
			if _, ok := cfg.Outputs[name]; !ok {
				diags.Errorf(pos(stagingNode.Content[i]), "unknown-output", "staging_outputs: %q is not declared under outputs", name)
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return cfg, diags
}

func forEachPair(n *yaml.Node, pos func(*yaml.Node) diag.Pos, diags *diag.List, what string, fn func(k, v *yaml.Node)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		diags.Errorf(pos(n), "wrong-type", "%s must be a mapping", what)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], n.Content[i+1])
	}
}

// LogsFor returns the log families/types configured for a source entity: the
// exact entity if declared, else every glob that matches it (sorted by
// pattern, merged, duplicates removed). nil means "not configured": callers
// then use every known log type.
func (c *Config) LogsFor(service, entity string) []string {
	if c == nil {
		return nil
	}
	ents := c.Sources[service]
	if l, ok := ents[entity]; ok {
		return l
	}
	var pats []string
	for p := range ents {
		if ok, _ := path.Match(p, entity); ok {
			pats = append(pats, p)
		}
	}
	sort.Strings(pats)
	var out []string
	for _, p := range pats {
		for _, l := range ents[p] {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// HasOutput reports whether "service:descriptor" is declared.
func (c *Config) HasOutput(name string) bool {
	if c == nil {
		return false
	}
	_, ok := c.Outputs[name]
	return ok
}

// OutputNames returns the declared output names, sorted.
func (c *Config) OutputNames() []string {
	if c == nil {
		return nil
	}
	names := make([]string, 0, len(c.Outputs))
	for n := range c.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
