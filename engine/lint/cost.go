package lint

import (
	"github.com/expr-lang/expr/ast"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
)

// CodeUnboundedCost marks an expression construct whose cost grows faster
// than the record it reads, so that no bound can be set before it runs.
// The engine stops such runs at their budget (rule.DefaultTimeBudget,
// rule.DefaultStringBudget) and disables a rule stopped
// engine.BreakerTrips times; the warning says so before that happens.
const CodeUnboundedCost = "unbounded-cost"

// loopBuiltins are the builtins that run their predicate once per element.
var loopBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "count": true,
	"sum": true, "find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
	"groupBy": true, "sortBy": true, "reduce": true,
}

// cost warns about the constructs whose cost cannot be bounded before run
// time: a loop over record data inside another loop over record data, not
// over a part of its element (the product of two sizes), a reduce whose accumulator grows each step (#acc + ...), and a
// range or repeat whose size comes from the record.
func (x *exprLint) cost(root ast.Node) {
	x.costWalk(root, 0)
}

// costWalk visits n; loops counts the enclosing loops over data that is
// not constant.
func (x *exprLint) costWalk(n ast.Node, loops int) {
	switch v := n.(type) {
	case nil:
		return
	case *ast.BuiltinNode:
		if loopBuiltins[v.Name] && len(v.Arguments) > 1 {
			coll, pred := v.Arguments[0], v.Arguments[1]
			x.costWalk(coll, loops)
			inner := loops
			switch {
			case constantNode(coll):
			case readsElement(coll):
				// A part of the enclosing loop's element (#.children):
				// walking a tree, linear in the record, not a product.
			default:
				if loops > 0 {
					x.diag(v, diag.Warning, CodeUnboundedCost,
						"%s over data inside another loop over data: its cost is the product of their sizes, which no limit can bound; "+
							"it is stopped at its run-time budget, and a rule stopped %d times is disabled (a set lookup, `x in lists.name`, or one pass avoids it)",
						v.Name, engine.BreakerTrips)
				}
				inner++
			}
			if v.Name == "reduce" {
				x.growingAcc(v, pred)
			}
			x.costWalk(pred, inner)
			for _, a := range v.Arguments[2:] {
				x.costWalk(a, loops)
			}
			return
		}
		if v.Name == "repeat" && len(v.Arguments) == 2 && !constantNode(v.Arguments[1]) {
			x.diag(v, diag.Warning, CodeUnboundedCost, "repeat with a count that is not a constant: the string it builds has no bound but the run-time budget")
		}
		for _, a := range v.Arguments {
			x.costWalk(a, loops)
		}
		return
	case *ast.BinaryNode:
		if v.Operator == ".." && (!constantNode(v.Left) || !constantNode(v.Right)) {
			x.diag(v, diag.Warning, CodeUnboundedCost, "a range whose bounds are not constants: its size has no bound but the run-time budget")
		}
		x.costWalk(v.Left, loops)
		x.costWalk(v.Right, loops)
		return
	case *ast.PredicateNode:
		x.costWalk(v.Node, loops)
		return
	}
	for _, c := range children(n) {
		x.costWalk(c, loops)
	}
}

// growingAcc warns when reduce's step adds to its accumulator: a string or
// list that grows every step costs the square of the steps to build (twice
// itself each step with #acc + #acc: exponential).
func (x *exprLint) growingAcc(r *ast.BuiltinNode, pred ast.Node) {
	var found ast.Node
	ast.Walk(&pred, visitorFunc(func(n *ast.Node) {
		b, ok := (*n).(*ast.BinaryNode)
		if !ok || b.Operator != "+" || found != nil {
			return
		}
		if isAcc(b.Left) || isAcc(b.Right) {
			if !numberNode(b.Left) && !numberNode(b.Right) {
				found = b
			}
		}
	}))
	if found != nil {
		x.diag(found, diag.Warning, CodeUnboundedCost,
			"reduce grows its accumulator every step (#acc + ...): if it is a string or a list its size, and the work to build it, have no bound but the run-time budget")
	}
}

type visitorFunc func(*ast.Node)

func (f visitorFunc) Visit(n *ast.Node) { f(n) }

func isAcc(n ast.Node) bool {
	p, ok := n.(*ast.PointerNode)
	return ok && p.Name == "acc"
}

func numberNode(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	}
	return false
}

// readsElement reports whether n (outside its own predicates) reads the
// element of an enclosing loop (#, #acc, #index) or a let variable, which
// may hold one: such a collection is a part of that element.
func readsElement(n ast.Node) bool {
	found := false
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		if found || n == nil {
			return
		}
		switch v := n.(type) {
		case *ast.PointerNode:
			found = true
			return
		case *ast.IdentifierNode:
			switch v.Value {
			case rule.EnvRecord, rule.EnvNormalized, rule.EnvLists, rule.EnvLogType, rule.EnvSource:
			default:
				found = true // a let variable
			}
			return
		case *ast.PredicateNode:
			return // the inner loop's own element
		case *ast.BuiltinNode:
			for _, a := range v.Arguments {
				walk(a)
			}
			return
		case *ast.BinaryNode:
			walk(v.Left)
			walk(v.Right)
			return
		}
		for _, c := range children(n) {
			walk(c)
		}
	}
	walk(n)
	return found
}

// constantNode reports whether n reads nothing of the record: literals, and
// arrays, ranges and operators of them, and the named lists.
func constantNode(n ast.Node) bool {
	switch v := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode:
		return true
	case *ast.UnaryNode:
		return constantNode(v.Node)
	case *ast.BinaryNode:
		return constantNode(v.Left) && constantNode(v.Right)
	case *ast.ArrayNode:
		for _, e := range v.Nodes {
			if !constantNode(e) {
				return false
			}
		}
		return true
	case *ast.MemberNode:
		if id, ok := v.Node.(*ast.IdentifierNode); ok && id.Value == "lists" {
			return true // a list of the library: its size is known at load time
		}
	}
	return false
}

// children returns n's direct children (ast.Walk has no one-level form).
func children(n ast.Node) []ast.Node {
	var out []ast.Node
	switch v := n.(type) {
	case *ast.UnaryNode:
		out = append(out, v.Node)
	case *ast.ChainNode:
		out = append(out, v.Node)
	case *ast.MemberNode:
		out = append(out, v.Node, v.Property)
	case *ast.SliceNode:
		out = append(out, v.Node, v.From, v.To)
	case *ast.CallNode:
		out = append(out, v.Callee)
		out = append(out, v.Arguments...)
	case *ast.ConditionalNode:
		out = append(out, v.Cond, v.Exp1, v.Exp2)
	case *ast.VariableDeclaratorNode:
		out = append(out, v.Value, v.Expr)
	case *ast.SequenceNode:
		out = append(out, v.Nodes...)
	case *ast.ArrayNode:
		out = append(out, v.Nodes...)
	case *ast.MapNode:
		for _, p := range v.Pairs {
			out = append(out, p)
		}
	case *ast.PairNode:
		out = append(out, v.Key, v.Value)
	}
	return out
}
