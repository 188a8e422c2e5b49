package alertsfn

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/lambda/awstest"
)

// TestDynamoDBStateOneClaimWins runs the claim protocol against the local
// DynamoDB server: of concurrent claimants exactly one delivers; after
// Delivered every later claim is AlreadyDelivered; a released claim can be
// taken again; an expired lease (a dead instance) can be taken over.
func TestDynamoDBStateOneClaimWins(t *testing.T) {
	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	ctx := context.Background()
	st := &DynamoDBState{Client: c, Table: table}

	var mu sync.Mutex
	counts := map[Claim]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := st.Claim(ctx, "a1", "slack:sec", time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			counts[got]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[Claimed] != 1 || counts[Busy] != 7 {
		t.Fatalf("claims %v, want exactly one Claimed and 7 Busy", counts)
	}
	if err := st.Release(ctx, "a1", "slack:sec"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Claim(ctx, "a1", "slack:sec", time.Minute); got != Claimed {
		t.Fatalf("after release: %v", got)
	}
	if err := st.Delivered(ctx, "a1", "slack:sec"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Claim(ctx, "a1", "slack:sec", time.Minute); got != AlreadyDelivered {
		t.Fatalf("after delivery: %v", got)
	}
	if err := st.Release(ctx, "a1", "slack:sec"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Claim(ctx, "a1", "slack:sec", time.Minute); got != AlreadyDelivered {
		t.Fatalf("a release must not undo a delivery: %v", got)
	}
	// Another output of the same alert is separate.
	if got, _ := st.Claim(ctx, "a1", "webhook:x", time.Minute); got != Claimed {
		t.Fatalf("other output: %v", got)
	}
	// An expired lease is taken over.
	if got, _ := st.Claim(ctx, "a2", "o", time.Millisecond); got != Claimed {
		t.Fatal(got)
	}
	time.Sleep(5 * time.Millisecond)
	if got, _ := st.Claim(ctx, "a2", "o", time.Minute); got != Claimed {
		t.Fatalf("expired lease: %v", got)
	}
}

type memConfig struct{ data string }

func (c memConfig) Config(context.Context, string) ([]byte, string, error) {
	return []byte(c.data), "e1", nil
}

// TestMissingSecretRefusesTheStart: an output whose secret reference does
// not resolve stops the cold start, naming the reference (not a value).
func TestMissingSecretRefusesTheStart(t *testing.T) {
	t.Setenv("STREAMALERT_TEST_NO_SUCH_SECRET", "")
	cfg := "outputs:\n  slack:\n    sec: {webhook_url: \"env:STREAMALERT_TEST_NO_SUCH_SECRET\"}\n"
	_, err := New(context.Background(), Options{State: &DynamoDBState{}, Config: memConfig{cfg}})
	if err == nil || !strings.Contains(err.Error(), "STREAMALERT_TEST_NO_SUCH_SECRET") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("STREAMALERT_TEST_NO_SUCH_SECRET", "https://hooks.slack.com/services/T0/B0/x")
	if _, err := New(context.Background(), Options{State: &DynamoDBState{}, Config: memConfig{cfg}}); err != nil {
		t.Fatal(err)
	}
}
