package outputs

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// SecretRef is one secret reference in a configuration's outputs.
type SecretRef struct {
	Output  string   // "service:descriptor"
	Setting string   // the setting that holds it: "webhook_url", "headers.X-Api-Key"
	Ref     string   // the reference itself, e.g. "env:SLACK_URL" (never a value)
	Pos     diag.Pos // the output's position in the configuration file
}

// SecretRefs returns every secret reference of cfg's outputs, sorted by
// output and setting: each string setting, or string value of a mapping
// setting (headers), that has a secret reference's form (IsSecretRef).
// Plain (non-secret) string settings cannot hold such a string (New refuses
// them), and list settings (labels, tags) never hold secrets, so they are
// not looked at. A nil cfg has none.
func SecretRefs(cfg *config.Config) []SecretRef {
	if cfg == nil {
		return nil
	}
	var refs []SecretRef
	for _, name := range cfg.OutputNames() {
		oc := cfg.Outputs[name]
		for key, v := range oc.Settings {
			switch x := v.(type) {
			case string:
				if IsSecretRef(x) {
					refs = append(refs, SecretRef{Output: name, Setting: key, Ref: x, Pos: oc.Pos})
				}
			case map[string]any:
				for k, e := range x {
					if s, ok := e.(string); ok && IsSecretRef(s) {
						refs = append(refs, SecretRef{Output: name, Setting: key + "." + k, Ref: s, Pos: oc.Pos})
					}
				}
			}
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Output != refs[j].Output {
			return refs[i].Output < refs[j].Output
		}
		return refs[i].Setting < refs[j].Setting
	})
	return refs
}

// MissingSecret is a reference that could not be resolved, and why (the
// resolver's error, redacted: it names the reference, never a value).
type MissingSecret struct {
	SecretRef
	Err error
}

// MissingSecretsError lists every secret reference that Check could not
// resolve, one per line as "file:line:col: outputs.SERVICE.DESCRIPTOR.SETTING:
// secret REF: reason". It never contains a secret value.
type MissingSecretsError struct {
	Missing []MissingSecret
}

// Error returns a count line, then one "file:line:col: setting: reason"
// line per missing reference.
func (e *MissingSecretsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d secret reference(s) of the configured outputs cannot be resolved (nothing was sent):", len(e.Missing))
	for _, m := range e.Missing {
		service, descriptor, _ := strings.Cut(m.Output, ":")
		fmt.Fprintf(&b, "\n%s: outputs.%s.%s.%s: %v", m.Pos, service, descriptor, m.Setting, m.Err)
	}
	return b.String()
}

// Names returns the references that could not be resolved ("env:NAME"),
// sorted and without duplicates.
func (e *MissingSecretsError) Names() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range e.Missing {
		if !seen[m.Ref] {
			seen[m.Ref] = true
			out = append(out, m.Ref)
		}
	}
	sort.Strings(out)
	return out
}

// Check resolves every reference in refs (so a start-up fails fast instead
// of dead-lettering every alert later) and caches the values for the TTL.
// It returns nil when all resolve, else a *MissingSecretsError naming each
// one that does not. A reference shared by several settings is looked up
// once. ctx bounds the look-ups (ssm:, secretsmanager: go to AWS).
func (s *Secrets) Check(ctx context.Context, refs []SecretRef) error {
	failed := map[string]error{}
	var missing []MissingSecret
	for _, r := range refs {
		err, seen := failed[r.Ref]
		if !seen {
			_, err = s.Get(ctx, r.Ref)
			if err != nil {
				err = s.RedactError(err)
			}
			failed[r.Ref] = err
		}
		if err != nil {
			missing = append(missing, MissingSecret{SecretRef: r, Err: err})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingSecretsError{Missing: missing}
}
