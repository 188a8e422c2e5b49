package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// profileEnv names a file to write a CPU profile of the whole command to
// (a development aid: `STREAMALERT_CPUPROFILE=cpu.out streamalert run ...`,
// then `go tool pprof`). Unset, nothing is profiled.
const profileEnv = "STREAMALERT_CPUPROFILE"

// startProfile starts the CPU profile profileEnv asks for and returns the
// function that stops and writes it.
func startProfile(stderr io.Writer) func() {
	file := os.Getenv(profileEnv)
	if file == "" {
		return func() {}
	}
	fh, err := os.Create(file)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert: %s: %v\n", profileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(fh); err != nil {
		fmt.Fprintf(stderr, "streamalert: %s: %v\n", profileEnv, err)
		fh.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		fh.Close()
	}
}
