# Tongban — build, run and test. Two commands do everything on a fresh
# machine: `make run` and `make test` (see README.md).

GO        ?= go
NPM       ?= npm
BIN       := bin/tongban
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.Version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GO_TEST_FLAGS ?= -race -count=1 -timeout 15m

.PHONY: all build frontend run test test-go test-frontend test-e2e lint bench minio clean

all: build

frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

## frontend: build the Vue app into frontend/dist (embedded by go:embed)
frontend: frontend/node_modules/.package-lock.json
	cd frontend && $(NPM) run build

## build: the web app and the single tongban binary
build: frontend
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tongban

## run: build, then serve on 127.0.0.1:8080 with the embedded backends and demo data under ./data
run: build
	./$(BIN) serve --demo

## lint: gofmt, go vet, staticcheck, and the TypeScript type check
lint: frontend/node_modules/.package-lock.json
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^frontend/node_modules')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	cd frontend && $(NPM) run lint

## minio: the pinned real MinIO server for the object-store contract tests
minio:
	@bash scripts/minio.sh >/dev/null

## test-go: every Go test with the race detector, including the object-store
## contract suite against a real MinIO server
test-go: minio
	TONGBAN_TEST_MINIO_BIN=$(CURDIR)/.cache/bin/minio $(GO) test $(GO_TEST_FLAGS) ./...

## test-frontend: Vitest unit tests, then Playwright against the real binary
test-frontend: build
	cd frontend && $(NPM) run test:unit
	cd frontend && TONGBAN_BIN=$(CURDIR)/$(BIN) $(NPM) run test:e2e

## test: everything CI runs
test: lint test-go test-frontend

## bench: Go benchmarks and load scripts; figures go to docs/benchmarks.md
bench: build
	bash scripts/bench.sh

clean:
	rm -rf bin frontend/dist/assets frontend/dist/index.html
