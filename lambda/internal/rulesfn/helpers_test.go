package rulesfn

import (
	"compress/gzip"
	"io"
	"log/slog"
)

func slogJSON(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

func gzipWriter(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }
