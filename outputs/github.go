package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// githubOutput opens an issue (POST {api_url}/repos/{owner}/{repo}/issues)
// with a bearer token. Settings: token (secret), repository ("owner/repo"),
// labels, api_url (default https://api.github.com; GitHub Enterprise:
// https://HOST/api/v3). Rule context: context.github may add labels and
// assignees.
type githubOutput struct {
	*builder
	token       Secret
	owner, repo string
	labels      []string
	apiURL      string
}

func newGitHub(b *builder) Output {
	o := &githubOutput{builder: b,
		token:  b.set.secret("token", true),
		labels: b.set.strList("labels"),
		apiURL: b.set.httpURL("api_url", false, "https://api.github.com"),
	}
	repo := b.set.str("repository", true, "")
	owner, name, ok := strings.Cut(repo, "/")
	if repo != "" && (!ok || owner == "" || name == "" || strings.Contains(name, "/")) {
		b.set.errorf("repository", "must be \"owner/repo\", got %q", repo)
	}
	o.owner, o.repo = owner, name
	return o
}

func (o *githubOutput) Send(ctx context.Context, a engine.Alert) error {
	token, err := o.value(ctx, o.token)
	if err != nil {
		return err
	}
	gc := serviceContext(a, "github")
	text := fmt.Sprintf("**Rule:** `%s`\n**Severity:** %s\n**Log source:** `%s`\n**Source:** %s `%s`\n**Alert id:** `%s`\n**Created:** %s\n\n%s\n\n### Record\n\n```json\n%s\n```\n",
		a.RuleName, orDash(a.Severity), a.LogSource, a.SourceService, a.SourceEntity, a.ID,
		a.Created.UTC().Format("2006-01-02T15:04:05Z"), orDash(a.RuleDescription), prettyJSON(a.Record))
	issue := map[string]any{
		"title":  truncate(summary(a), 256),
		"body":   truncate(text, 65000),
		"labels": append(append([]string{}, o.labels...), ctxStrings(gc, "labels")...),
	}
	if as := ctxStrings(gc, "assignees"); len(as) > 0 {
		issue["assignees"] = as
	}
	body, err := json.Marshal(issue)
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	hdr := http.Header{
		"Authorization":        {"Bearer " + token},
		"Accept":               {"application/vnd.github+json"},
		"X-Github-Api-Version": {"2022-11-28"},
	}
	_, err = o.post(ctx, fmt.Sprintf("%s/repos/%s/%s/issues", o.apiURL, o.owner, o.repo), hdr, body)
	return err
}
