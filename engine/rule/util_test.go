package rule

import (
	"fmt"

	"github.com/streamalert-go/streamalert/engine/diag"
)

func diagPos(file string, line, col int) diag.Pos { return diag.Pos{File: file, Line: line, Col: col} }

func typeName(v any) string { return fmt.Sprintf("%T", v) }
