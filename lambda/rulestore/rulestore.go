// Package rulestore is where the Lambda functions' rules come from: a
// snapshot of the rule files, schemas and configuration stored under one
// prefix of an S3 bucket, fetched whole and identified by a version (a hash
// of the objects' keys and ETags), so a warm function re-lists the prefix and
// fetches nothing when nothing changed. Push uploads a local rule tree to the
// same layout, in an order a half-finished push cannot be mistaken for a new
// ruleset by.
//
// The layout under PREFIX (see DESIGN.md):
//
//	PREFIX/rules.d/**/*.yaml|yml   rule and library files (required)
//	PREFIX/schemas/**/*.json|yaml|yml   schemas (absent: the embedded ones)
//	PREFIX/streamalert.yaml        sources, outputs, limits (optional)
//	PREFIX/.push-in-progress       written first and deleted last by Push
package rulestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Sentinel errors of Fetch; test with errors.Is.
var (
	// ErrNotModified: the store holds the version the caller already has.
	ErrNotModified = errors.New("rules not modified")
	// ErrNoRules: the prefix holds no rule file (an empty or wrong bucket
	// or prefix).
	ErrNoRules = errors.New("no rule files")
	// ErrPushInProgress: a `streamalert rules push` is writing the prefix
	// right now; fetch again later.
	ErrPushInProgress = errors.New("a rules push is in progress")
)

// Names of the layout under the prefix.
const (
	RulesDir   = "rules.d"
	SchemasDir = "schemas"
	ConfigFile = "streamalert.yaml"
	// PushMarker exists while Push writes the prefix.
	PushMarker = ".push-in-progress"
)

// PushMarkerMaxAge is how long a push marker keeps Fetch away; an older one
// is left by a push that died and is ignored (with a warning in
// Snapshot.Warnings).
const PushMarkerMaxAge = 10 * time.Minute

// Store is a source of rule snapshots.
type Store interface {
	// Fetch returns the current snapshot, or ErrNotModified when its
	// version equals previousVersion ("" fetches unconditionally).
	Fetch(ctx context.Context, previousVersion string) (Snapshot, error)
}

// Snapshot is one consistent view of the rules location.
type Snapshot struct {
	// Version is a hash of every object's key and ETag.
	Version string
	// Rules is the rules.d tree (paths relative to rules.d/).
	Rules fs.FS
	// Schemas is the schemas tree, nil when the prefix has none (the
	// embedded schemas then serve).
	Schemas fs.FS
	// Config is streamalert.yaml's content, nil when absent.
	Config []byte
	// Location is where the snapshot came from, as s3://BUCKET/PREFIX/;
	// diagnostics name files as Location + RulesDir + "/" + file.
	Location string
	// Objects counts the objects fetched.
	Objects int
	// Warnings are things the caller should log (an ignored stale push
	// marker, objects outside the layout).
	Warnings []string
}

// S3API is the part of the S3 client the store uses.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3 is a Store reading s3://Bucket/Prefix/. Safe for concurrent use.
type S3 struct {
	Client S3API
	Bucket string
	// Prefix is the folder of the layout ("" is the bucket's root;
	// slashes around it are ignored).
	Prefix string
	// Concurrency bounds parallel GETs (default 16).
	Concurrency int
	// Now is the clock for the push marker's age (default time.Now).
	Now func() time.Time
}

// root returns the key prefix ("" or "p/").
func (s *S3) root() string {
	p := strings.Trim(s.Prefix, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// Location returns s3://BUCKET/PREFIX/.
func (s *S3) Location() string { return "s3://" + s.Bucket + "/" + s.root() }

type object struct {
	key, rel, etag string
	modified       time.Time
}

// list returns the layout's objects sorted by key, and the push marker's
// time (zero when absent).
func (s *S3) list(ctx context.Context) (objs []object, marker time.Time, ignored int, err error) {
	root := s.root()
	var token *string
	for {
		out, err := s.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(root), ContinuationToken: token})
		if err != nil {
			return nil, time.Time{}, 0, fmt.Errorf("list %s: %w", s.Location(), err)
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			rel := strings.TrimPrefix(key, root)
			if rel == PushMarker {
				marker = aws.ToTime(o.LastModified)
				continue
			}
			if !InLayout(rel) {
				ignored++
				continue
			}
			objs = append(objs, object{key: key, rel: rel, etag: aws.ToString(o.ETag), modified: aws.ToTime(o.LastModified)})
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			break
		}
		token = out.NextContinuationToken
	}
	slices.SortFunc(objs, func(a, b object) int { return strings.Compare(a.key, b.key) })
	return objs, marker, ignored, nil
}

// InLayout reports whether rel (a key relative to the prefix) is part of the
// layout: a rule or library file under rules.d/, a schema file under
// schemas/, or streamalert.yaml. Names starting with a dot are not.
func InLayout(rel string) bool {
	if !fs.ValidPath(rel) {
		return false
	}
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	ext := path.Ext(rel)
	switch {
	case rel == ConfigFile:
		return true
	case strings.HasPrefix(rel, RulesDir+"/"):
		return ext == ".yaml" || ext == ".yml"
	case strings.HasPrefix(rel, SchemasDir+"/"):
		return ext == ".json" || ext == ".yaml" || ext == ".yml"
	}
	return false
}

// version hashes the keys and ETags.
func version(objs []object) string {
	h := sha256.New()
	for _, o := range objs {
		io.WriteString(h, o.key)
		h.Write([]byte{0})
		io.WriteString(h, strings.Trim(o.etag, `"`))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// maxAttempts is how often Fetch re-lists when an object changed between
// the listing and its GET.
const maxAttempts = 3

// Fetch lists the prefix and, unless the version is previousVersion, gets
// every object concurrently. The snapshot is consistent: each object's ETag
// as fetched equals the listing's, else Fetch lists again.
func (s *S3) Fetch(ctx context.Context, previousVersion string) (Snapshot, error) {
	var lastErr error
	for range maxAttempts {
		snap, err := s.fetchOnce(ctx, previousVersion, true)
		if !errors.Is(err, errChanged) {
			return snap, err
		}
		lastErr = err
	}
	return Snapshot{}, fmt.Errorf("%s: objects kept changing while being read: %w", s.Location(), lastErr)
}

var errChanged = errors.New("object changed between listing and get")

// Current returns what the prefix holds now, even when it has no rule file
// (a first push reads the configuration and schemas already there). A push
// marker is not waited for.
func (s *S3) Current(ctx context.Context) (Snapshot, error) {
	var lastErr error
	for range maxAttempts {
		snap, err := s.fetchOnce(ctx, "", false)
		if !errors.Is(err, errChanged) {
			return snap, err
		}
		lastErr = err
	}
	return Snapshot{}, fmt.Errorf("%s: objects kept changing while being read: %w", s.Location(), lastErr)
}

func (s *S3) fetchOnce(ctx context.Context, previousVersion string, forServing bool) (Snapshot, error) {
	objs, marker, ignored, err := s.list(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{Location: s.Location()}
	if !marker.IsZero() && forServing {
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		if age := now().Sub(marker); age < PushMarkerMaxAge {
			return Snapshot{}, fmt.Errorf("%s%s is %s old: %w", s.Location(), PushMarker, age.Round(time.Second), ErrPushInProgress)
		}
		snap.Warnings = append(snap.Warnings, fmt.Sprintf("ignoring %s%s, left %s ago by a push that did not finish", s.Location(), PushMarker, now().Sub(marker).Round(time.Second)))
	}
	if ignored > 0 {
		snap.Warnings = append(snap.Warnings, fmt.Sprintf("%d objects under %s are not part of the layout (rules.d/**/*.yaml, schemas/*, streamalert.yaml) and were ignored", ignored, s.Location()))
	}
	rules := 0
	for _, o := range objs {
		if strings.HasPrefix(o.rel, RulesDir+"/") {
			rules++
		}
	}
	if rules == 0 && forServing {
		return Snapshot{}, fmt.Errorf("%s%s/: %w", s.Location(), RulesDir, ErrNoRules)
	}
	snap.Version = version(objs)
	if snap.Version == previousVersion {
		return Snapshot{}, ErrNotModified
	}
	data, err := s.getAll(ctx, objs)
	if err != nil {
		return Snapshot{}, err
	}
	rulesFS, schemasFS := fstest.MapFS{}, fstest.MapFS{}
	for i, o := range objs {
		switch {
		case o.rel == ConfigFile:
			snap.Config = data[i]
		case strings.HasPrefix(o.rel, RulesDir+"/"):
			rulesFS[strings.TrimPrefix(o.rel, RulesDir+"/")] = &fstest.MapFile{Data: data[i], ModTime: o.modified, Mode: 0o444}
		default:
			schemasFS[strings.TrimPrefix(o.rel, SchemasDir+"/")] = &fstest.MapFile{Data: data[i], ModTime: o.modified, Mode: 0o444}
		}
	}
	snap.Rules = rulesFS
	if len(schemasFS) > 0 {
		snap.Schemas = schemasFS
	}
	snap.Objects = len(objs)
	return snap, nil
}

func (s *S3) getAll(ctx context.Context, objs []object) ([][]byte, error) {
	n := s.Concurrency
	if n <= 0 {
		n = 16
	}
	data := make([][]byte, len(objs))
	errs := make([]error, len(objs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, o := range objs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			data[i], errs[i] = s.get(ctx, o)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	// errChanged wins over the cancellations it caused.
	for _, err := range errs {
		if errors.Is(err, errChanged) {
			return nil, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return data, nil
}

// maxObjectSize bounds one rule, schema or config object (they are small
// text files; a huge one is a mistake, not a ruleset).
const maxObjectSize = 16 << 20

func (s *S3) get(ctx context.Context, o object) ([]byte, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(o.key), IfMatch: aws.String(o.etag)})
	if err != nil {
		var pre interface{ ErrorCode() string }
		if errors.As(err, &pre) && pre.ErrorCode() == "PreconditionFailed" {
			return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, o.key, errChanged)
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, o.key, err)
	}
	defer out.Body.Close()
	if etag := aws.ToString(out.ETag); etag != "" && strings.Trim(etag, `"`) != strings.Trim(o.etag, `"`) {
		return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, o.key, errChanged)
	}
	b, err := io.ReadAll(io.LimitReader(out.Body, maxObjectSize+1))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", s.Bucket, o.key, err)
	}
	if len(b) > maxObjectSize {
		return nil, fmt.Errorf("s3://%s/%s: larger than %d MiB", s.Bucket, o.key, maxObjectSize>>20)
	}
	return b, nil
}
