package outputs

import (
	"context"
	"fmt"
	"sync"

	"github.com/streamalert-go/streamalert/engine"
)

// stdoutOutput writes each alert as one JSON line to Options.Stdout. No
// settings. Lines from concurrent sends never interleave.
type stdoutOutput struct {
	*builder
	mu sync.Mutex
}

func newStdout(b *builder) Output { return &stdoutOutput{builder: b} }

func (o *stdoutOutput) Send(_ context.Context, a engine.Alert) error {
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.opts.Stdout.Write(append(body, '\n')); err != nil {
		return fmt.Errorf("%s: write: %w", o.name, err)
	}
	return nil
}

// fileOutput appends each alert as one JSON line to a file (created 0600).
// Settings: path.
type fileOutput struct {
	*builder
	path string
	mu   sync.Mutex
}

func newFile(b *builder) Output {
	return &fileOutput{builder: b, path: b.set.str("path", true, "")}
}

func (o *fileOutput) Send(_ context.Context, a engine.Alert) error {
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	if err := appendLine(&o.mu, o.path, body); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}
