package rule

import (
	"reflect"

	"github.com/expr-lang/expr/conf"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// CompileValue compiles e exactly as Compile does — the same environment,
// functions, rewrites (list sets, constant CIDRs, globs and regexps) and
// cost bounds — except that the result may be of any type, not only a bool.
// It is for tools that show the value of each sub-expression of a rule's
// condition (ruleck explain). Like Compile, it is not safe for concurrent
// use; the program is nil when there is an error.
func (c *Compiler) CompileValue(e Expr) (*vm.Program, diag.List) {
	saved := c.opts
	defer func() { c.opts = saved }()
	c.opts = append(c.opts[:len(c.opts):len(c.opts)], anyResult)
	return c.Compile(e)
}

// anyResult undoes expr.AsBool: applied after it, the checker expects no
// particular result type.
func anyResult(cfg *conf.Config) {
	cfg.Expect = reflect.Invalid
	cfg.ExpectAny = false
}

// Parse parses e with the configuration Compile uses (the same functions,
// builtins and limits) but neither checks nor rewrites it: the tree is the
// expression as written, its locations rune offsets into e.Source (see
// Expr.PosAtOffset).
func (c *Compiler) Parse(e Expr) (*exprparser.Tree, error) {
	cfg := conf.CreateNew()
	for _, op := range c.opts {
		op(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	return exprparser.ParseWithConfig(e.Source, cfg)
}
