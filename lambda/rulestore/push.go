package rulestore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Kind orders a push: schemas first, then the configuration, library files,
// rule files; deletions after all uploads, rules before the library files
// and schemas they use.
type Kind int

// The kinds of file, in upload order.
const (
	KindSchema Kind = iota
	KindConfig
	KindLibrary
	KindRule
)

// File is one file to push. Key is relative to the prefix and must be in
// the layout (InLayout).
type File struct {
	Key  string
	Data []byte
	Kind Kind
}

// PushAPI is the part of the S3 client Push uses.
type PushAPI interface {
	S3API
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// PushReport says what a push did, keys relative to the prefix, sorted.
type PushReport struct {
	Uploaded, Deleted, Unchanged []string
}

// Push makes the layout under s3://bucket/prefix/ hold exactly files:
// uploads the files whose content differs from the stored object (an ETag
// that is the content's MD5; multipart ETags always upload), and deletes
// layout objects that are not among files. While it works, PushMarker
// exists, so Fetch reports ErrPushInProgress instead of reading a half-
// written ruleset; within the push the order is schemas, configuration,
// library files, rules, then deletions of rules, library files, schemas,
// configuration. A push that fails midway leaves the marker (Fetch ignores
// it after PushMarkerMaxAge) and returns the error; running it again
// finishes the job.
func Push(ctx context.Context, client PushAPI, bucket, prefix string, files []File) (PushReport, error) {
	st := &S3{Client: client, Bucket: bucket, Prefix: prefix}
	root := st.root()
	want := map[string]File{}
	for _, f := range files {
		if !InLayout(f.Key) {
			return PushReport{}, fmt.Errorf("push: %s is not in the layout (rules.d/**/*.yaml, schemas/*, streamalert.yaml)", f.Key)
		}
		if _, dup := want[f.Key]; dup {
			return PushReport{}, fmt.Errorf("push: %s given twice", f.Key)
		}
		want[f.Key] = f
	}
	objs, _, _, err := st.list(ctx)
	if err != nil {
		return PushReport{}, err
	}
	have := map[string]string{}
	for _, o := range objs {
		have[o.rel] = strings.Trim(o.etag, `"`)
	}
	var rep PushReport
	var uploads [4][]File
	for key, f := range want {
		sum := md5.Sum(f.Data)
		if have[key] == hex.EncodeToString(sum[:]) {
			rep.Unchanged = append(rep.Unchanged, key)
			continue
		}
		uploads[f.Kind] = append(uploads[f.Kind], f)
	}
	var deletes [4][]string
	for key := range have {
		if _, keep := want[key]; !keep {
			deletes[kindOf(key)] = append(deletes[kindOf(key)], key)
		}
	}
	slices.Sort(rep.Unchanged)
	changes := 0
	for i := range uploads {
		changes += len(uploads[i]) + len(deletes[i])
	}
	if changes == 0 {
		return rep, nil
	}
	marker := root + PushMarker
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(marker),
		Body: strings.NewReader("streamalert rules push\n"), ContentType: aws.String("text/plain")}); err != nil {
		return rep, fmt.Errorf("push: write s3://%s/%s: %w", bucket, marker, err)
	}
	for _, k := range []Kind{KindSchema, KindConfig, KindLibrary, KindRule} {
		batch := uploads[k]
		slices.SortFunc(batch, func(a, b File) int { return strings.Compare(a.Key, b.Key) })
		if err := parallel(len(batch), func(i int) error {
			f := batch[i]
			sum := md5.Sum(f.Data)
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(root + f.Key),
				Body: bytes.NewReader(f.Data), ContentType: aws.String(contentType(f.Key)),
				ContentMD5: aws.String(base64MD5(sum[:]))})
			if err != nil {
				return fmt.Errorf("push: put s3://%s/%s%s: %w", bucket, root, f.Key, err)
			}
			return nil
		}); err != nil {
			return rep, err
		}
		for _, f := range batch {
			rep.Uploaded = append(rep.Uploaded, f.Key)
		}
	}
	for _, k := range []Kind{KindRule, KindLibrary, KindSchema, KindConfig} {
		batch := deletes[k]
		slices.Sort(batch)
		if err := parallel(len(batch), func(i int) error {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(root + batch[i])}); err != nil {
				return fmt.Errorf("push: delete s3://%s/%s%s: %w", bucket, root, batch[i], err)
			}
			return nil
		}); err != nil {
			return rep, err
		}
		rep.Deleted = append(rep.Deleted, batch...)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(marker)}); err != nil {
		return rep, fmt.Errorf("push: delete s3://%s/%s: %w", bucket, marker, err)
	}
	slices.Sort(rep.Uploaded)
	slices.Sort(rep.Deleted)
	return rep, nil
}

// kindOf is the kind of a stored key for the deletion order. Stored rules.d
// files are not parsed, so all count as rules; the push marker, not the
// order, is what keeps readers from a half-deleted tree.
func kindOf(key string) Kind {
	switch {
	case key == ConfigFile:
		return KindConfig
	case strings.HasPrefix(key, SchemasDir+"/"):
		return KindSchema
	}
	return KindRule
}

func contentType(key string) string {
	if strings.HasSuffix(key, ".json") {
		return "application/json"
	}
	return "application/yaml"
}

// parallel runs f(0..n-1) with at most 8 at a time and joins the errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func base64MD5(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }
