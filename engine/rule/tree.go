package rule

import (
	"sync"

	exprparser "github.com/expr-lang/expr/parser"
)

// treeCache holds the expression trees Library.Tree parsed, by source.
type treeCache struct {
	m sync.Map // string → treeResult
}

type treeResult struct {
	tree *exprparser.Tree
	err  error
}

// Tree returns the parse tree of an expression's source, parsed once per
// Library however many analyses read it (the guard index, lint). The tree is
// shared: callers must only read it (compiling patches a tree of its own).
// Safe for concurrent use.
func (lib *Library) Tree(src string) (*exprparser.Tree, error) {
	if lib.trees == nil {
		t, err := exprparser.Parse(src)
		return t, err
	}
	if r, ok := lib.trees.m.Load(src); ok {
		return r.(treeResult).tree, r.(treeResult).err
	}
	t, err := exprparser.Parse(src)
	lib.trees.m.Store(src, treeResult{t, err})
	return t, err
}
