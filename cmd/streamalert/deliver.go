package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/outputs"
)

// deliveryWorkers is how many alerts are delivered at once; each alert goes
// to all its outputs concurrently already.
const deliveryWorkers = 4

// deliveryQueue is how many alerts wait for a worker; a full queue slows the
// inputs down rather than dropping alerts.
const deliveryQueue = 1024

// delivery sends alerts to their outputs off the record path: a bounded
// queue and a few workers. close drains it by a deadline: every alert
// enqueued is delivered, written to the alert dead letter, or (without one)
// reported and counted as lost, before close returns.
type delivery struct {
	send func(context.Context, engine.Alert) error // delivers to every output the alert names; error: lost
	// undeliverable takes an alert not sent at all (shutdown, drain
	// deadline): to the dead letter for each output it names, or reported.
	undeliverable func(a engine.Alert, reason string)
	out           io.Writer
	queue         chan engine.Alert
	ctx           context.Context // cancelled at the drain deadline
	stop          context.CancelFunc
	wg            sync.WaitGroup // workers

	mu      sync.Mutex // guards closed and senders.Add
	closed  bool
	closing chan struct{}  // closed by close: blocked enqueues give up
	senders sync.WaitGroup // enqueues in progress; none holds mu while blocked

	lost atomic.Uint64
	// summary returns the per-output counts for the closing summary.
	summary func() []outputSummary
}

func newDelivery(send func(context.Context, engine.Alert) error, undeliverable func(engine.Alert, string), out io.Writer) *delivery {
	ctx, stop := context.WithCancel(context.Background())
	d := &delivery{send: send, undeliverable: undeliverable, out: out, queue: make(chan engine.Alert, deliveryQueue),
		ctx: ctx, stop: stop, closing: make(chan struct{})}
	for range deliveryWorkers {
		d.wg.Go(d.work)
	}
	return d
}

func (d *delivery) work() {
	for a := range d.queue {
		if d.ctx.Err() != nil {
			// Past the drain deadline: the rest of the queue is not tried.
			d.undeliverable(a, "not sent: still queued at the drain deadline (--drain-timeout)")
			continue
		}
		if err := d.send(d.ctx, a); err != nil {
			d.lost.Add(1)
			fmt.Fprintf(d.out, "streamalert: alert %s (%s) not delivered: %v\n", a.ID, a.RuleName, err)
		}
	}
}

// enqueue queues a for delivery, waiting while the queue is full, but
// never past the start of close: an alert that cannot be queued then goes
// to the dead letter. It holds no lock while it waits.
func (d *delivery) enqueue(a engine.Alert) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.undeliverable(a, "not sent: produced after shutdown began")
		return
	}
	d.senders.Add(1)
	d.mu.Unlock()
	defer d.senders.Done()
	select {
	case d.queue <- a:
	case <-d.closing:
		d.undeliverable(a, "not sent: the delivery queue was full at shutdown")
	}
}

// close stops taking alerts and waits for the queued ones until timeout;
// then deliveries in flight are cancelled (the dispatcher writes them to
// its dead letter) and alerts still queued go to the dead letter unsent.
// The deadline holds as long as outputs honour their context. It returns
// the number of alerts lost (neither delivered nor dead-lettered) over the
// session.
func (d *delivery) close(timeout time.Duration) uint64 {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.lost.Load()
	}
	d.closed = true
	close(d.closing)
	d.mu.Unlock()
	d.senders.Wait() // blocked enqueues return at once (closing)
	close(d.queue)   // no sender is left
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-deadline.C:
		fmt.Fprintf(d.out, "streamalert: deliveries still running after %s (--drain-timeout); cancelling them, the rest goes to the alert dead letter\n", timeout)
		d.stop()
		<-done
	}
	d.stop()
	return d.lost.Load()
}

// deliveryTally counts, per output, the alerts the delivery itself wrote to
// the dead letter without sending them (shutdown, drain deadline) and those
// lost (no dead letter, or it failed). Safe for concurrent use.
type deliveryTally struct {
	mu               sync.Mutex
	deadLettered     map[string]uint64
	lostWithoutTries map[string]uint64
}

func (t *deliveryTally) add(m *map[string]uint64, output string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if *m == nil {
		*m = map[string]uint64{}
	}
	(*m)[output]++
}

// outputSummary is one output's line of the closing summary.
type outputSummary struct {
	Name                                      string
	Delivered, Retried, DeadLettered, Dropped uint64
}

// summarize combines the dispatcher's counters with the tally.
func summarize(snap map[string]outputs.Counts, t *deliveryTally) []outputSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := map[string]bool{}
	for n := range snap {
		names[n] = true
	}
	for n := range t.deadLettered {
		names[n] = true
	}
	for n := range t.lostWithoutTries {
		names[n] = true
	}
	var out []outputSummary
	for n := range names {
		c := snap[n]
		out = append(out, outputSummary{Name: n, Delivered: c.Sent, Retried: c.Retried,
			DeadLettered: c.DeadLettered + t.deadLettered[n],
			Dropped:      c.Failed - min(c.Failed, c.DeadLettered) + t.lostWithoutTries[n]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
