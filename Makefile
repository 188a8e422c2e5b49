# The targets CI and developers run. `make test` is the whole test suite: it
# checks formatting, go vet and go.mod tidiness, starts the local AWS servers
# (.ci/aws/up.sh; a failure there fails the target), runs every Go test with
# the race detector (fuzz targets run their seed corpora as unit tests), a
# short fuzz of every target, the rule checks on the shipped rules and the
# reproducibility check of the Lambda zips, then stops the servers.

GO ?= go
# Per fuzz target: FUZZTIME for `make fuzz` (developers), CI_FUZZTIME for the
# short fuzz `make test` runs. CI's budget is a count of executions (Nx), not
# a duration: go1.26's fuzz coordinator can fail a target with a spurious
# "context deadline exceeded" when a duration ends under CPU contention
# (golang/go#75804, fixed in go1.27), and a count sets no deadline. 5000
# executions take 0.5-2 s per target here, plus a second or two to start; when
# the build cache is cold, the first target of each package also builds its
# instrumented test binary (minutes for the first one, see `fuzz`).
FUZZTIME ?= 30s
CI_FUZZTIME ?= 5000x
# make package: the Lambda functions (lambda/NAME) and architectures built.
FUNCTIONS ?= rules alerts
GOARCHES ?= arm64 amd64
DIST ?= dist
PACKAGE_FLAGS ?=
# Flags of package-check's second build: -a recompiles every package (the
# whole dependency graph, twice per architecture: slow) instead of relinking.
PACKAGE_CHECK_FLAGS ?=

.PHONY: test unit fuzz fuzz-ci rules bench bench-e2e build fmt vet tidy package package-check

build:
	$(GO) build ./...

test: vet tidy
	@set -e; \
	trap '.ci/aws/down.sh' EXIT; \
	servers="$$(.ci/aws/up.sh)"; \
	eval "$$servers"; \
	$(MAKE) --no-print-directory unit fuzz-ci rules package-check

# ./.ci/zipdir is named because ./... leaves out folders starting with a dot.
unit:
	$(GO) test -race -count=1 ./... ./.ci/zipdir

# Every Fuzz target for FUZZTIME, seeded from testdata. The target list is
# found by grepping, so a new target is fuzzed without editing this file. The
# first run of a package builds its instrumented test binary (every package
# it imports, compiled again with coverage instrumentation): minutes on a
# cold build cache, whatever FUZZTIME is.
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for target in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    start=$$(date +%s); \
	    out="$$($(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg 2>&1)" || { echo "$$out"; echo "FAIL fuzz $$pkg $$target"; exit 1; }; \
	    echo "ok   fuzz $$pkg $$target ($$(( $$(date +%s) - start ))s)"; \
	  done; \
	done

# The short fuzz `make test` runs: a fixed small budget per target (their
# seed corpora already ran as tests in `unit`).
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(CI_FUZZTIME)

rules:
	$(GO) run ./cmd/ruleck lint --strict --config examples/streamalert.yaml rules.d/
	$(GO) run ./cmd/ruleck test rules.d/
	$(GO) run ./cmd/ruleck fmt rules.d/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./engine/...

# The end-to-end harness: generated corpora and detection sets through the
# real `streamalert run`, on one core and on all (BENCH_FLAGS=--quick for a
# short run, --format json for tools, --only NAME,... for some workloads).
bench-e2e:
	$(GO) run ./cmd/streamalert bench $(BENCH_FLAGS)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	$(GO) vet ./... ./.ci/zipdir

# go.mod and go.sum are exactly what `go mod tidy` writes (prints the diff).
tidy:
	$(GO) mod tidy -diff

# DIST/NAME_ARCH.zip for each function and architecture: one file, bootstrap
# (mode 0755), built for provided.al2023 and zipped reproducibly (.ci/zipdir).
package:
	@set -e; for f in $(FUNCTIONS); do \
	  test -d lambda/$$f || { echo "make package: lambda/$$f does not exist: the Lambda function \"$$f\" has no source to build" >&2; exit 1; }; \
	done; \
	mkdir -p $(DIST)/build; \
	$(GO) build -o $(DIST)/build/zipdir ./.ci/zipdir; \
	for f in $(FUNCTIONS); do for arch in $(GOARCHES); do \
	  dir=$(DIST)/build/$${f}_$$arch; rm -rf $$dir; mkdir -p $$dir; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build $(PACKAGE_FLAGS) -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o $$dir/bootstrap ./lambda/$$f; \
	  $(DIST)/build/zipdir $(DIST)/$${f}_$$arch.zip $$dir; \
	  echo "$(DIST)/$${f}_$$arch.zip"; \
	done; done

# Builds the zips twice, the second time into another folder (relinked and
# zipped again; every package recompiled too with PACKAGE_CHECK_FLAGS=-a), and
# fails unless the bytes are the same and each zip holds exactly bootstrap,
# mode 0755.
package-check:
	@set -e; \
	$(MAKE) --no-print-directory package; \
	again="$$(mktemp -d)"; trap 'rm -rf "$$again"' EXIT; \
	$(MAKE) --no-print-directory package DIST="$$again" PACKAGE_FLAGS="$(PACKAGE_CHECK_FLAGS)" >/dev/null; \
	for f in $(FUNCTIONS); do for arch in $(GOARCHES); do \
	  zip=$${f}_$$arch.zip; \
	  entries="$$($(DIST)/build/zipdir -l $(DIST)/$$zip | cut -d' ' -f1,3)"; \
	  test "$$entries" = "-rwxr-xr-x bootstrap" || { echo "package-check: $(DIST)/$$zip holds $$entries, want one file bootstrap, mode 0755" >&2; exit 1; }; \
	  one="$$(sha256sum < $(DIST)/$$zip)"; two="$$(sha256sum < "$$again/$$zip")"; \
	  test "$$one" = "$$two" || { echo "package-check: $$zip differs between two builds: $$one vs $$two" >&2; exit 1; }; \
	  echo "ok   $(DIST)/$$zip $${one%% *}"; \
	done; done
