package rulestore_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert-go/streamalert/lambda/awstest"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

func TestInLayout(t *testing.T) {
	for rel, want := range map[string]bool{
		"rules.d/a.yaml":          true,
		"rules.d/lib/x.yml":       true,
		"rules.d/a.json":          false,
		"rules.d/.hidden.yaml":    false,
		"schemas/osquery.json":    true,
		"schemas/x.yaml":          true,
		"schemas/README.md":       false,
		"streamalert.yaml":        true,
		"other/streamalert.yaml":  false,
		".push-in-progress":       false,
		"rules.d/../x.yaml":       false,
		"rules.d/dir/.git/x.yaml": false,
	} {
		if got := rulestore.InLayout(rel); got != want {
			t.Errorf("InLayout(%q) = %v, want %v", rel, got, want)
		}
	}
}

// TestS3FetchAndPush runs the store against the local S3 server: a plain
// upload is fetched; an unchanged bucket is ErrNotModified without GETs
// mattering; a push uploads only what changed, deletes what went, and the
// version moves; a push marker keeps Fetch away.
func TestS3FetchAndPush(t *testing.T) {
	awstest.Setup(t, false)
	bucket, c := awstest.Bucket(t)
	ctx := context.Background()
	st := &rulestore.S3{Client: c, Bucket: bucket, Prefix: "/team/"}

	if _, err := st.Fetch(ctx, ""); !errors.Is(err, rulestore.ErrNoRules) {
		t.Fatalf("empty bucket: err = %v, want ErrNoRules", err)
	}

	// A plain upload, as `aws s3 cp rule.yaml s3://B/team/rules.d/` does.
	awstest.Put(t, c, bucket, "team/rules.d/a.yaml", []byte("name: a\n"))
	awstest.Put(t, c, bucket, "team/notes.txt", []byte("not a rule"))
	snap, err := st.Fetch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fs.ReadFile(snap.Rules, "a.yaml"); err != nil || string(got) != "name: a\n" {
		t.Fatalf("rules.d/a.yaml = %q, %v", got, err)
	}
	if snap.Schemas != nil || snap.Config != nil {
		t.Fatalf("schemas %v config %q: want none", snap.Schemas, snap.Config)
	}
	if snap.Location != "s3://"+bucket+"/team/" || len(snap.Warnings) != 1 {
		t.Fatalf("location %q warnings %q", snap.Location, snap.Warnings)
	}
	if _, err := st.Fetch(ctx, snap.Version); !errors.Is(err, rulestore.ErrNotModified) {
		t.Fatalf("unchanged: err = %v, want ErrNotModified", err)
	}

	files := []rulestore.File{
		{Key: "rules.d/a.yaml", Data: []byte("name: a\n"), Kind: rulestore.KindRule},
		{Key: "rules.d/lib/l.yaml", Data: []byte("lists: {x: [1]}\n"), Kind: rulestore.KindLibrary},
		{Key: "schemas/s.json", Data: []byte("{}"), Kind: rulestore.KindSchema},
		{Key: "streamalert.yaml", Data: []byte("outputs: {}\n"), Kind: rulestore.KindConfig},
	}
	rep, err := rulestore.Push(ctx, c, bucket, "team", files)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Uploaded) != 3 || len(rep.Unchanged) != 1 || rep.Unchanged[0] != "rules.d/a.yaml" || len(rep.Deleted) != 0 {
		t.Fatalf("first push: %+v", rep)
	}
	snap2, err := st.Fetch(ctx, snap.Version)
	if err != nil {
		t.Fatal(err)
	}
	if snap2.Version == snap.Version || snap2.Schemas == nil || string(snap2.Config) != "outputs: {}\n" || snap2.Objects != 4 {
		t.Fatalf("after push: %+v", snap2)
	}

	// Remove the library, change the rule.
	files = []rulestore.File{{Key: "rules.d/a.yaml", Data: []byte("name: a2\n"), Kind: rulestore.KindRule}, files[2], files[3]}
	rep, err = rulestore.Push(ctx, c, bucket, "team", files)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Uploaded) != 1 || len(rep.Deleted) != 1 || rep.Deleted[0] != "rules.d/lib/l.yaml" {
		t.Fatalf("second push: %+v", rep)
	}
	snap3, err := st.Fetch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(snap3.Rules, "lib/l.yaml"); err == nil {
		t.Fatal("deleted library file still fetched")
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("team/" + rulestore.PushMarker)}); err == nil {
		t.Fatal("push marker left behind")
	}

	// An unchanged push writes nothing (not even the marker).
	rep, err = rulestore.Push(ctx, c, bucket, "team", files)
	if err != nil || len(rep.Uploaded)+len(rep.Deleted) != 0 {
		t.Fatalf("no-op push: %+v, %v", rep, err)
	}

	// A push in progress keeps Fetch away; a stale marker is ignored.
	awstest.Put(t, c, bucket, "team/"+rulestore.PushMarker, []byte("x"))
	if _, err := st.Fetch(ctx, ""); !errors.Is(err, rulestore.ErrPushInProgress) {
		t.Fatalf("marker: err = %v, want ErrPushInProgress", err)
	}
	st.Now = func() time.Time { return time.Now().Add(rulestore.PushMarkerMaxAge + time.Minute) }
	snap4, err := st.Fetch(ctx, "")
	if err != nil || len(snap4.Warnings) == 0 {
		t.Fatalf("stale marker: %v, warnings %q", err, snap4.Warnings)
	}
}

func TestPushRejectsFilesOutsideTheLayout(t *testing.T) {
	_, err := rulestore.Push(context.Background(), nil, "b", "", []rulestore.File{{Key: "rules.d/x.txt"}})
	if err == nil {
		t.Fatal("a .txt under rules.d was accepted")
	}
}
