package schema

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// MaxYAMLExpansion bounds how many nodes a YAML file may reach through its
// aliases (each alias counts its target's whole expansion, nested aliases
// included). A few anchors reused a few times stay far below it; a "billion
// laughs" file, a kilobyte of nested anchors that expands to 10⁹ nodes,
// fails instead of exhausting memory.
const MaxYAMLExpansion = 100_000

// CodeAliasBomb is the diagnostic code of a file whose aliases expand past
// MaxYAMLExpansion.
const CodeAliasBomb = "excessive-aliasing"

// CheckAliases measures how far the aliases of a decoded YAML document
// expand, in time linear in the document's own size, and returns an error
// diagnostic at the alias that crosses MaxYAMLExpansion (nil when the
// document is within it). Every loader that walks yaml.Node trees (schemas,
// rules, configuration) calls it before walking, since following aliases
// by hand has no bound of its own. file is used in the position.
func CheckAliases(file string, doc *yaml.Node) *diag.Diagnostic {
	c := aliasCounter{size: map[*yaml.Node]int{}}
	c.count(doc)
	if c.bomb == nil {
		return nil
	}
	return &diag.Diagnostic{
		Pos:      diag.Pos{File: file, Line: c.bomb.Line, Col: c.bomb.Column},
		Severity: diag.Error,
		Code:     CodeAliasBomb,
		Message: fmt.Sprintf("excessive aliasing: the aliases of this file expand to more than %d values (alias *%s here)",
			MaxYAMLExpansion, c.bomb.Value),
	}
}

// aliasCounter computes each node's expanded size once (memoized by node),
// saturating at the limit so that sizes never overflow.
type aliasCounter struct {
	size     map[*yaml.Node]int
	expanded int // nodes reached through aliases so far
	bomb     *yaml.Node
}

const aliasInProgress = -1

func (c *aliasCounter) count(n *yaml.Node) int {
	if n == nil || c.bomb != nil {
		return 0
	}
	if s, ok := c.size[n]; ok {
		if s == aliasInProgress { // an anchor that contains itself
			return MaxYAMLExpansion + 1
		}
		return s
	}
	c.size[n] = aliasInProgress
	s := 1
	if n.Kind == yaml.AliasNode {
		t := c.count(n.Alias)
		c.expanded = min(c.expanded+t, MaxYAMLExpansion+1)
		if c.expanded > MaxYAMLExpansion && c.bomb == nil {
			c.bomb = n
		}
		s += t
	}
	for _, ch := range n.Content {
		s = min(s+c.count(ch), MaxYAMLExpansion+1)
	}
	c.size[n] = s
	return s
}
