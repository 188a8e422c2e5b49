package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

// deliveryWorkers is how many alerts are delivered at once; each alert goes
// to all its outputs concurrently already.
const deliveryWorkers = 4

// delivery sends alerts to their outputs off the record path: a bounded
// queue (a full queue slows the inputs down rather than dropping alerts) and
// a few workers. close drains the queue: every alert enqueued is delivered,
// dead-lettered or reported lost before it returns.
type delivery struct {
	send  func(context.Context, engine.Alert) error // delivers to every output the alert names
	out   io.Writer
	queue chan engine.Alert
	ctx   context.Context // cancelled when the drain times out
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu     sync.RWMutex // enqueue holds it shared, close exclusively
	closed bool

	lost atomic.Uint64
}

func newDelivery(send func(context.Context, engine.Alert) error, out io.Writer) *delivery {
	ctx, stop := context.WithCancel(context.Background())
	d := &delivery{send: send, out: out, queue: make(chan engine.Alert, 1024), ctx: ctx, stop: stop}
	for range deliveryWorkers {
		d.wg.Go(d.work)
	}
	return d
}

func (d *delivery) work() {
	for a := range d.queue {
		if err := d.send(d.ctx, a); err != nil {
			d.lost.Add(1)
			fmt.Fprintf(d.out, "streamalert: alert %s (%s) not delivered: %v\n", a.ID, a.RuleName, err)
		}
	}
}

// enqueue queues a for delivery, waiting while the queue is full. After
// close, alerts are refused with a message (they are on stdout already).
func (d *delivery) enqueue(a engine.Alert) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		fmt.Fprintf(d.out, "streamalert: alert %s (%s) not delivered: shutting down\n", a.ID, a.RuleName)
		d.lost.Add(1)
		return
	}
	d.queue <- a
}

// close stops taking alerts and waits for the queued ones, for at most
// timeout; after that, deliveries in flight are cancelled (the dispatcher
// still writes them to its dead letter). It returns the number of alerts
// lost over the session.
func (d *delivery) close(timeout time.Duration) uint64 {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		close(d.queue)
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		fmt.Fprintf(d.out, "streamalert: deliveries still running after %s; cancelling them\n", timeout)
		d.stop()
		<-done
	}
	d.stop()
	return d.lost.Load()
}
