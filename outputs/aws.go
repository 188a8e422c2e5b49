package outputs

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// awsTarget holds the settings every aws-* output shares: region (default:
// the environment's) and endpoint_url (default: the real AWS endpoint; set
// it for local servers, VPC endpoints or tests).
type awsTarget struct {
	region, endpoint string
}

func (b *builder) awsTarget() awsTarget {
	return awsTarget{region: b.set.str("region", false, ""), endpoint: b.set.httpURL("endpoint_url", false, "")}
}

// awsConfig returns the base configuration with this output's region. The
// SDK's own retries are off: the dispatcher's policy governs every output.
func (b *builder) awsConfig(ctx context.Context, t awsTarget) (aws.Config, error) {
	cfg, err := b.awsCfg(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%s: aws config: %w", b.name, err)
	}
	cfg = cfg.Copy()
	if t.region != "" {
		cfg.Region = t.region
	}
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return cfg, nil
}

// lazy builds a client on first use; a failed build is tried again next
// time.
type lazy[T any] struct {
	mu    sync.Mutex
	v     T
	ok    bool
	build func(ctx context.Context) (T, error)
}

func (l *lazy[T]) get(ctx context.Context) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ok {
		return l.v, nil
	}
	v, err := l.build(ctx)
	if err != nil {
		return v, err
	}
	l.v, l.ok = v, true
	return v, nil
}

// buildAWS makes l build its SDK client on first use, from the output's AWS
// settings (region, endpoint_url), which are checked now. newClient gets the
// endpoint override, nil for the real AWS endpoint.
func buildAWS[T any](b *builder, l *lazy[T], newClient func(cfg aws.Config, endpoint *string) T) {
	t := b.awsTarget()
	l.build = func(ctx context.Context) (T, error) {
		cfg, err := b.awsConfig(ctx, t)
		if err != nil {
			var zero T
			return zero, err
		}
		return newClient(cfg, endpointPtr(t.endpoint)), nil
	}
}

func endpointPtr(e string) *string {
	if e == "" {
		return nil
	}
	return aws.String(e)
}
