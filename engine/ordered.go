package engine

import (
	"runtime"
	"sync"

	"github.com/streamalert-go/streamalert/engine/payload"
)

// Ordered runs raw records through a Processor on several goroutines and
// hands each result back in the order the records were added, from one
// goroutine at a time, so what follows classification (thresholds, merging,
// output order, dead letters) sees exactly the sequence a single goroutine
// would. With one worker it processes each record inline in Add.
//
// Records are copied into batches (one buffer per batch, reused), so the
// caller's buffer may be reused as soon as Add returns. Memory is bounded:
// at most a few batches per worker are in flight, and Add waits when they
// are. Not safe for concurrent Adds; Close once.
type Ordered struct {
	proc    *Processor
	emit    func(Source, payload.Raw, Result) error
	workers int

	cur   *batch
	work  chan *batch
	order chan *batch
	done  chan struct{}
	wg    sync.WaitGroup

	mu  sync.Mutex
	err error // the first error emit returned
}

// Batch bounds: a batch is handed to a worker when it holds this many
// records or bytes.
const (
	batchRecords = 256
	batchBytes   = 256 << 10
)

type batch struct {
	buf   []byte
	items []orderedItem
	ready chan struct{}
}

type orderedItem struct {
	raw       payload.Raw
	off, size int
	src       Source
	logs      []string
	res       Result
}

var batches = sync.Pool{New: func() any { return &batch{} }}

// NewOrdered returns an Ordered over p with workers goroutines (0 means
// GOMAXPROCS) calling emit for every record added, in order, with the
// source it was added with. emit's raw record is valid only during the
// call. An error from emit stops the processing: Add and Close return it
// from then on.
func (p *Processor) NewOrdered(workers int, emit func(Source, payload.Raw, Result) error) *Ordered {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	o := &Ordered{proc: p, emit: emit, workers: workers}
	if workers == 1 {
		return o
	}
	o.work = make(chan *batch, workers)
	o.order = make(chan *batch, workers*2)
	o.done = make(chan struct{})
	for range workers {
		o.wg.Go(func() {
			for b := range o.work {
				for i := range b.items {
					it := &b.items[i]
					it.raw.Data = b.buf[it.off : it.off+it.size : it.off+it.size]
					it.res = p.Process(it.raw.Data, it.raw.Err, it.src, it.logs)
				}
				close(b.ready)
			}
		})
	}
	go o.collect()
	return o
}

// collect emits every batch's results in order and recycles the batches.
func (o *Ordered) collect() {
	defer close(o.done)
	for b := range o.order {
		<-b.ready
		for i := range b.items {
			it := &b.items[i]
			if o.failed() == nil {
				if err := o.emit(it.src, it.raw, it.res); err != nil {
					o.fail(err)
				}
			}
			*it = orderedItem{}
		}
		b.items, b.buf = b.items[:0], b.buf[:0]
		batches.Put(b)
	}
}

func (o *Ordered) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

func (o *Ordered) fail(err error) {
	o.mu.Lock()
	if o.err == nil {
		o.err = err
	}
	o.mu.Unlock()
}

// Add queues one raw record from src, to be classified against logs (nil:
// every log type), and returns the first error emit has returned so far.
func (o *Ordered) Add(src Source, raw payload.Raw, logs []string) error {
	if err := o.failed(); err != nil {
		return err
	}
	if o.workers == 1 {
		err := o.emit(src, raw, o.proc.Process(raw.Data, raw.Err, src, logs))
		if err != nil {
			o.fail(err)
		}
		return err
	}
	if o.cur == nil {
		o.cur = batches.Get().(*batch)
		o.cur.ready = make(chan struct{})
	}
	b := o.cur
	off := len(b.buf)
	b.buf = append(b.buf, raw.Data...)
	b.items = append(b.items, orderedItem{raw: payload.Raw{Line: raw.Line, Err: raw.Err}, off: off, size: len(raw.Data), src: src, logs: logs})
	if len(b.items) >= batchRecords || len(b.buf) >= batchBytes {
		o.send()
	}
	return nil
}

// send hands the current batch to the workers and the collector.
func (o *Ordered) send() {
	if o.cur == nil {
		return
	}
	o.order <- o.cur
	o.work <- o.cur
	o.cur = nil
}

// Close processes and emits everything added, stops the goroutines and
// returns the first error emit returned.
func (o *Ordered) Close() error {
	if o.workers > 1 {
		o.send()
		close(o.work)
		close(o.order)
		o.wg.Wait()
		<-o.done
	}
	return o.failed()
}
