package main

import (
	"encoding/json"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

// processStart is when the process's Go code began (package initialisation):
// start-up times are measured from it.
var processStart = time.Now()

// runStats are what `run --stats FILE` writes at exit, for `streamalert
// bench`: the counts, the times of the first record and first alert, and the
// allocations made while records were processed. Safe for concurrent use;
// methods on a nil *runStats do nothing.
type runStats struct {
	loadNanos   int64
	loadedAt    int64
	mallocs0    uint64
	firstRecord atomic.Int64
	firstAlert  atomic.Int64
}

// loaded notes that the bundle was loaded (read, linted, compiled) in the
// time since start, and takes the allocation count records are measured from.
func (s *runStats) loaded(start time.Time) {
	if s == nil {
		return
	}
	now := time.Now()
	s.loadNanos, s.loadedAt = now.Sub(start).Nanoseconds(), now.UnixNano()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mallocs0 = m.Mallocs
}

// record notes one processed raw record that gave alerts alerts.
func (s *runStats) record(alerts int) {
	if s == nil {
		return
	}
	if s.firstRecord.Load() == 0 {
		s.firstRecord.CompareAndSwap(0, time.Now().UnixNano())
	}
	if alerts > 0 && s.firstAlert.Load() == 0 {
		s.firstAlert.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// runStatsFile is the JSON document of --stats. Times are Unix nanoseconds
// (0: never happened) so the caller can relate them to its own clock.
type runStatsFile struct {
	GOMAXPROCS   int    `json:"gomaxprocs"`
	StartNanos   int64  `json:"start_unix_nanos"`
	LoadedNanos  int64  `json:"loaded_unix_nanos"`
	LoadDuration int64  `json:"load_nanos"` // read + lint + compile the rules and schemas
	FirstRecord  int64  `json:"first_record_unix_nanos"`
	FirstAlert   int64  `json:"first_alert_unix_nanos"`
	EndNanos     int64  `json:"end_unix_nanos"`
	Raw          uint64 `json:"raw_records"`
	Records      uint64 `json:"records"`
	Unclassified uint64 `json:"unclassified"`
	Alerts       uint64 `json:"alerts"`
	Mallocs      uint64 `json:"mallocs"`        // heap allocations after loading
	HeapSys      uint64 `json:"heap_sys_bytes"` // heap memory obtained from the OS, at exit
}

func (s *runStats) write(file string, st *engine.Stats) error {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	out := runStatsFile{
		GOMAXPROCS: runtime.GOMAXPROCS(0), StartNanos: processStart.UnixNano(),
		LoadedNanos: s.loadedAt, LoadDuration: s.loadNanos,
		FirstRecord: s.firstRecord.Load(), FirstAlert: s.firstAlert.Load(), EndNanos: time.Now().UnixNano(),
		Raw: st.Raw.Load(), Records: st.Records.Load(), Unclassified: st.Unclassified.Load(), Alerts: st.Alerts.Load(),
		Mallocs: m.Mallocs - s.mallocs0, HeapSys: m.HeapSys,
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}
