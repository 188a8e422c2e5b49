package rule

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
)

// A rule's cost is bounded three ways:
//
//   - at compile time, by the size of its expressions (MaxExprSource bytes of
//     source, MaxExprNodes nodes);
//   - at run time, by a Budget per program run: DefaultTimeBudget of time
//     spent in loops (the predicates of any, all, filter, map, reduce ...,
//     checked every few hundred iterations, so short runs never read the
//     clock) and DefaultStringBudget bytes of strings built (+ on strings,
//     repeat, replace, join, toJSON, string), which expr's own memory
//     budget does not count;
//   - by expr's memory budget for arrays and ranges.
//
// A run over budget stops with an error wrapping ErrBudget; the engine
// counts it as a rule error and, after a few, disables the rule.

// MaxExprSource bounds the source of one expression, in bytes.
const MaxExprSource = 64 << 10

// Default run-time budgets of one program run (one rule's condition or one
// matcher, on one record).
const (
	DefaultTimeBudget   = 100 * time.Millisecond
	DefaultStringBudget = 16 << 20 // bytes
)

// ErrBudget marks a program run stopped for exceeding its cost budget.
// ErrTimeBudget and ErrStringBudget wrap it.
var (
	ErrBudget       = errors.New("rule cost budget exceeded")
	ErrTimeBudget   = fmt.Errorf("%w: time", ErrBudget)
	ErrStringBudget = fmt.Errorf("%w: strings", ErrBudget)
)

// IsCostError reports whether err is a run stopped by a cost budget: this
// package's Budget, or expr's own memory budget.
func IsCostError(err error) bool {
	return err != nil && (errors.Is(err, ErrBudget) || strings.Contains(err.Error(), "memory budget exceeded"))
}

// Budget bounds the work of one program run. Every environment from
// NewEnv holds one (see BudgetOf); the functions the cost rewrites call
// charge it. Reset it before each run. A Budget is used by one run at a
// time, like the environment that holds it.
type Budget struct {
	// Time is the most time a run may spend in loops; Strings the most
	// bytes of strings it may build. Zero values mean the defaults.
	Time    time.Duration
	Strings int

	steps   uint32
	start   time.Time
	strings int
}

// Reset starts a new run.
func (b *Budget) Reset() {
	b.steps, b.start, b.strings = 0, time.Time{}, 0
}

// clockEvery is how many loop iterations pass between reads of the clock.
const clockEvery = 256

// step charges one loop iteration. The clock starts at the first check, so
// a run of fewer than clockEvery iterations never reads it.
func (b *Budget) step() {
	b.steps++
	if b.steps%clockEvery != 0 {
		return
	}
	now := time.Now()
	if b.start.IsZero() {
		b.start = now
		return
	}
	limit := b.Time
	if limit <= 0 {
		limit = DefaultTimeBudget
	}
	if now.Sub(b.start) > limit {
		panic(fmt.Errorf("%w: the expression ran longer than %v (%d loop iterations)", ErrTimeBudget, limit, b.steps))
	}
}

// grow charges n bytes of strings about to be built, before they are.
func (b *Budget) grow(n int) {
	limit := b.Strings
	if limit <= 0 {
		limit = DefaultStringBudget
	}
	if n < 0 || n > limit-b.strings {
		panic(fmt.Errorf("%w: the expression built more than %d bytes of strings", ErrStringBudget, limit))
	}
	b.strings += n
}

// Names of the cost functions in the environment (with a space, like
// rewriteFuncs: no expression can spell them).
const (
	fnBudget    = "cost budget"
	fnTickBool  = "cost step bool"
	fnTickAny   = "cost step"
	fnConcat    = "cost add"
	fnConcatStr = "cost concat"
	fnRepeat    = "cost repeat"
	fnReplace   = "cost replace"
	fnReplaceN  = "cost replace n"
	fnJoin      = "cost join"
	fnJoinSep   = "cost join sep"
	fnToJSON    = "cost toJSON"
	fnString    = "cost string"
)

// BudgetOf returns the Budget of an environment from NewEnv (nil for any
// other map).
func BudgetOf(env map[string]any) *Budget {
	b, _ := env[fnBudget].(*Budget)
	return b
}

// addCostFuncs puts a fresh Budget and the functions charging it into env.
// Their signatures are ones expr's VM calls without reflection, except
// replace's. Each checks the cost first, then calls expr's own builtin, so
// results are exactly expr's.
func addCostFuncs(env map[string]any) {
	b := &Budget{}
	env[fnBudget] = b
	env[fnTickBool] = func(v any) bool {
		b.step()
		ok, isBool := v.(bool)
		if !isBool {
			panic(fmt.Sprintf("predicate should return boolean (got %T)", v))
		}
		return ok
	}
	env[fnTickAny] = func(v any) any { b.step(); return v }
	env[fnConcat] = func(x, y any) any {
		if s, ok := x.(string); ok {
			if t, ok := y.(string); ok {
				b.grow(len(s) + len(t))
				return s + t
			}
		}
		return runtime.Add(x, y)
	}
	env[fnConcatStr] = func(x, y any) string {
		s, t := x.(string), y.(string)
		b.grow(len(s) + len(t))
		return s + t
	}
	env[fnRepeat] = func(s, n any) string {
		str, _ := s.(string)
		if k := runtime.ToInt(n); k > 0 && len(str) > 0 {
			if k > (1<<62)/len(str) {
				b.grow(-1)
			}
			b.grow(len(str) * k)
		}
		return callBuiltin("repeat", s, n).(string)
	}
	env[fnReplace] = func(s, old, new any) string {
		b.grow(replacedSize(s, old, new, -1))
		return callBuiltin("replace", s, old, new).(string)
	}
	env[fnReplaceN] = func(s, old, new, n any) string {
		b.grow(replacedSize(s, old, new, runtime.ToInt(n)))
		return callBuiltin("replace", s, old, new, n).(string)
	}
	env[fnJoin] = func(list any) string {
		b.grow(printedSize(list, "", b.room()))
		return callBuiltin("join", list).(string)
	}
	env[fnJoinSep] = func(list, sep any) string {
		s, _ := sep.(string)
		b.grow(printedSize(list, s, b.room()))
		return callBuiltin("join", list, sep).(string)
	}
	env[fnToJSON] = func(v any) string {
		b.grow(printedSize(v, "  ", b.room()))
		return callBuiltin("toJSON", v).(string)
	}
	env[fnString] = func(v any) string {
		if s, ok := v.(string); ok {
			return s // nothing is built
		}
		b.grow(printedSize(v, "", b.room()))
		return builtin.String(v).(string)
	}
}

// room is what is left of the string budget.
func (b *Budget) room() int {
	limit := b.Strings
	if limit <= 0 {
		limit = DefaultStringBudget
	}
	return limit - b.strings
}

// callBuiltin calls expr's builtin name (Func or Safe), panicking with its
// error as expr's VM does.
func callBuiltin(name string, args ...any) any {
	f := builtin.Builtins[builtin.Index[name]]
	var out any
	var err error
	if f.Safe != nil {
		out, _, err = f.Safe(args...)
	} else {
		out, err = f.Func(args...)
	}
	if err != nil {
		panic(err)
	}
	return out
}

// replacedSize is the length of replace(s, old, new[, n]); 0 for
// arguments that are not strings (the builtin then fails on its own).
func replacedSize(s, old, new any, n int) int {
	str, ok1 := s.(string)
	o, ok2 := old.(string)
	nw, ok3 := new.(string)
	if !ok1 || !ok2 || !ok3 {
		return 0
	}
	count := strings.Count(str, o) // for "" it is the rune count + 1
	if n >= 0 && n < count {
		count = n
	}
	grow := len(nw) - len(o)
	if grow <= 0 {
		return len(str)
	}
	if count > (1<<62)/grow {
		return -1
	}
	return len(str) + count*grow
}

// printedSize bounds from above the length of v printed (as toJSON, join
// or string do), with sep between items and after each nesting level's
// opening; it stops counting past limit, so that its own work is bounded
// whatever v holds (even many references to one large value).
func printedSize(v any, sep string, limit int) int {
	n := 0
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if n > limit || depth > 10_000 {
			n = limit + 1
			return
		}
		switch x := v.(type) {
		case string:
			// JSON may escape a byte as \u00XX: six bytes each, at worst.
			if utf8.ValidString(x) && !strings.ContainsAny(x, "\"\\<>&\u2028\u2029") && !hasControl(x) {
				n += len(x) + 2
			} else {
				n += 6*len(x) + 2
			}
		case []any:
			n += 2
			for _, e := range x {
				n += len(sep)*(depth+2) + 2
				walk(e, depth+1)
				if n > limit {
					return
				}
			}
		case map[string]any:
			n += 2
			for k, e := range x {
				n += 6*len(k) + 4 + len(sep)*(depth+2)
				walk(e, depth+1)
				if n > limit {
					return
				}
			}
		case nil, bool, int, int64, float64:
			n += 24
		default:
			// Typed values (structs, typed slices) from the environment:
			// bounded by their reflected size.
			rv := reflect.ValueOf(v)
			switch rv.Kind() {
			case reflect.Slice, reflect.Array:
				n += 2
				for i := 0; i < rv.Len() && n <= limit; i++ {
					n += len(sep)*(depth+2) + 2
					walk(rv.Index(i).Interface(), depth+1)
				}
			case reflect.Map:
				n += 2
				it := rv.MapRange()
				for it.Next() && n <= limit {
					walk(it.Key().Interface(), depth+1)
					n += len(sep)*(depth+2) + 4
					walk(it.Value().Interface(), depth+1)
				}
			default:
				n += 64 + len(fmt.Sprint(reflect.Indirect(rv).Type()))*2
			}
		}
	}
	walk(v, 0)
	return n
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// costPatcher rewrites an expression so that its run charges the Budget:
// every predicate body steps it, and the builtins that build strings
// charge their result's size before building it. It runs after the type
// check, and rewrites a call only when its argument types fit, so that
// expr still reports wrong types itself.
type costPatcher struct{}

// boolPredicates are the builtins whose predicate must be a bool.
var boolPredicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "count": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
}

func isUnknown(t reflect.Type) bool { return t == nil || t.Kind() == reflect.Interface }

func fits(t reflect.Type, k reflect.Kind) bool { return isUnknown(t) || t.Kind() == k }

// Visit implements ast.Visitor; Walk calls it children first.
func (costPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if n.Operator != "+" {
			return
		}
		lt, rt := n.Left.Type(), n.Right.Type()
		if !fits(lt, reflect.String) || !fits(rt, reflect.String) {
			return // numbers (or a type error expr reports)
		}
		_, lc := n.Left.(*ast.StringNode)
		_, rc := n.Right.(*ast.StringNode)
		if lc && rc {
			return // folded at compile time
		}
		if !isUnknown(lt) && !isUnknown(rt) {
			typedCall(node, fnConcatStr, n.Left, n.Right)
		} else {
			typedCall(node, fnConcat, n.Left, n.Right)
		}
	case *ast.BuiltinNode:
		for i, a := range n.Arguments {
			p, ok := a.(*ast.PredicateNode)
			if !ok {
				continue
			}
			body := p.Node
			if boolPredicates[n.Name] {
				if !fits(body.Type(), reflect.Bool) {
					continue // expr reports the wrong type
				}
				p.Node = costCall(body, fnTickBool, body)
			} else {
				p.Node = costCall(body, fnTickAny, body)
			}
			n.Arguments[i] = p
		}
		args := n.Arguments
		types := make([]reflect.Type, len(args))
		for i, a := range args {
			types[i] = a.Type()
		}
		switch {
		case n.Name == "repeat" && len(args) == 2 && fits(types[0], reflect.String) && (isUnknown(types[1]) || isInt(types[1])):
			typedCall(node, fnRepeat, args...)
		case n.Name == "replace" && len(args) == 3 && allFit(types, reflect.String):
			typedCall(node, fnReplace, args...)
		case n.Name == "replace" && len(args) == 4 && allFit(types[:3], reflect.String) && (isUnknown(types[3]) || isInt(types[3])):
			typedCall(node, fnReplaceN, args...)
		case n.Name == "join" && len(args) == 1 && listLike(types[0]):
			typedCall(node, fnJoin, args...)
		case n.Name == "join" && len(args) == 2 && listLike(types[0]) && fits(types[1], reflect.String):
			typedCall(node, fnJoinSep, args...)
		case n.Name == "toJSON" && len(args) == 1:
			typedCall(node, fnToJSON, args...)
		case n.Name == "string" && len(args) == 1:
			typedCall(node, fnString, args...)
		}
	}
}

// costCall is a call of a cost function on args, placed at at's location.
func costCall(at ast.Node, fn string, args ...ast.Node) ast.Node {
	callee := &ast.IdentifierNode{Value: fn}
	callee.SetLocation(at.Location())
	c := &ast.CallNode{Callee: callee, Arguments: args}
	c.SetLocation(at.Location())
	return c
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func allFit(ts []reflect.Type, k reflect.Kind) bool {
	for _, t := range ts {
		if !fits(t, k) {
			return false
		}
	}
	return true
}

func listLike(t reflect.Type) bool {
	return isUnknown(t) || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
}
