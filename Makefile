# The targets CI and developers run. `make test` is the whole test suite: it
# starts the local AWS servers the output tests need (.ci/aws), runs every Go
# test with the race detector, a few seconds of each fuzz target, and the
# rule checks on the shipped rules, then stops the servers.

GO ?= go
FUZZTIME ?= 3s

.PHONY: test unit fuzz rules bench build fmt vet

build:
	$(GO) build ./...

test: vet
	@set -e; \
	eval "$$(.ci/aws/up.sh)"; \
	trap '.ci/aws/down.sh' EXIT; \
	$(MAKE) --no-print-directory unit fuzz rules

unit:
	$(GO) test -race -count=1 ./...

# Every Fuzz target, briefly, seeded from testdata. A target list is found by
# grepping so a new target is fuzzed without editing this file.
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for target in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg >/dev/null || { $(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg; exit 1; }; \
	  done; \
	done

rules:
	$(GO) run ./cmd/ruleck lint --strict --config examples/streamalert.yaml rules.d/
	$(GO) run ./cmd/ruleck test rules.d/
	$(GO) run ./cmd/ruleck fmt rules.d/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./engine/...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	$(GO) vet ./...
