# palabre: the two commands that matter are `make run` and `make test` (see README.md).
GO          ?= go
BIN         := bin/palabre
export PALABRE_DATA      ?= $(CURDIR)/.data
export PALABRE_CH_PORT   ?= 19000
CLICKHOUSE_DSN           := clickhouse://127.0.0.1:$(PALABRE_CH_PORT)
export PALABRE_CLICKHOUSE ?= $(CLICKHOUSE_DSN)/palabre
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)

.PHONY: all build run test test-deps clickhouse clickhouse-stop clickhouse-status cluster cluster-stop cluster-status cluster-selftest vet fmt clean \
	bench-tool bench-ingest bench-flood bench-analytics bench-analytics-cluster bench-restart bench-report bench-dashboard bench-import bench-throughput chaos chaos-cluster mutate

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/palabre

## run: install what is missing, start the local ClickHouse, migrate, serve the demo. The
## demo's admin account (DEMO_ADMIN) gets a link to set its password the first time.
DEMO_ADMIN ?= admin@example.org
run: build clickhouse
	$(BIN) migrate
	$(BIN) import --demo
	$(BIN) seed
	$(BIN) share --survey partners-meeting --reuse
	$(BIN) user add --email $(DEMO_ADMIN) --name "Demo admin" --role admin --if-missing
	$(BIN) serve

## test: start the local ClickHouse (and install test tools), then run every test against it.
## TEST_TIMEOUT bounds each package's test binary. cmd/palabre takes about 5 minutes alone on a
## 2-core machine and 9.5 with a second `make test` beside it, close to go test's default of 10;
## a stalled test fails long before, on its own deadline.
TEST_TIMEOUT ?= 15m
test: clickhouse test-deps cluster
	@mkdir -p "$(PALABRE_DATA)"; log="$(PALABRE_DATA)/test.log"; \
	PALABRE_TEST_CLUSTER=$${PALABRE_CLUSTER_NAME:-palabre} PALABRE_TEST_CLUSTER_CLICKHOUSE="$$(deploy/cluster.sh dsn)" \
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_SCREENSHOTS="$(PALABRE_DATA)/screenshots" $(GO) test -count=1 -v -timeout $(TEST_TIMEOUT) ./... >"$$log" 2>&1; status=$$?; \
	grep -E '^\s*--- (PASS|FAIL|SKIP)|^(ok|FAIL|panic:|#)|\.go:[0-9]+:' "$$log"; \
	echo "$$(grep -cE '^\s*--- PASS' "$$log") passed, $$(grep -cE '^\s*--- FAIL' "$$log") failed, $$(grep -cE '^\s*--- SKIP' "$$log") skipped (full log: $$log)"; \
	exit $$status

## bench-ingest: open-loop load on loopback against a real palabre and a bare Gin baseline.
BENCH_RATES    ?= 2000 5000
BENCH_DURATION ?= 60s
bench-ingest: build clickhouse bench-tool
	@for rate in $(BENCH_RATES); do \
		bin/palabre-bench ingest --palabre $(BIN) --clickhouse $(CLICKHOUSE_DSN) --rate $$rate --duration $(BENCH_DURATION) || exit 1; \
	done

## bench-flood: open-loop 15,000 responses/s for 30 s, far past what palabre can take: every
## request must be answered (201/200, or 503/429 with Retry-After; no reset, no timeout),
## palabre's peak RSS stay under 250 MB and every acknowledged response reach ClickHouse.
FLOOD_RATE     ?= 15000
FLOOD_DURATION ?= 30s
bench-flood: build clickhouse bench-tool
	bin/palabre-bench flood --palabre $(BIN) --clickhouse $(CLICKHOUSE_DSN) --rate $(FLOOD_RATE) --duration $(FLOOD_DURATION) --max-rss-mb 250

## chaos: load while a private ClickHouse is killed for 20 s and palabre is killed once.
chaos: build clickhouse bench-tool
	bin/palabre-bench chaos --palabre $(BIN) --duration 60s --clickhouse-down 20s

## chaos-cluster: 2 palabre over a cluster of their own (ZooKeeper, 2 shards × 2 replicas) at
## 1,000 responses/s for 60 s while a replica is killed, a palabre is killed and ZooKeeper stops.
chaos-cluster: build bench-tool test-deps
	bin/palabre-bench chaos-cluster --palabre $(BIN) --duration 60s --rate 1000 --zookeeper-down 20s

## bench-throughput: responses per second acknowledged by 1 palabre and by 2 over one database,
## side by side (3 rounds each, medians).
bench-throughput: build clickhouse bench-tool
	bin/palabre-bench throughput --palabre $(BIN) --clickhouse $(CLICKHOUSE_DSN) --processes 2

## bench-analytics: analytics latency on 10 million answers (seeded once into their own
## database, then reused), against the same SQL through clickhouse-client.
bench-analytics: clickhouse
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 PALABRE_BENCH_ANSWERS=$(or $(ANSWERS),10000000) \
		$(GO) test -count=1 -run '^TestAnalyticsBenchReport$$' -v -timeout 60m ./analytics/clickhouse

## bench-analytics-cluster: the same analytics queries on one server and on `make cluster`'s
## cluster over the same 10 million answers (copied once with migrate --to-cluster's CopyFrom).
bench-analytics-cluster: clickhouse cluster
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 PALABRE_BENCH_ANSWERS=$(or $(ANSWERS),10000000) \
	PALABRE_TEST_CLUSTER=$${PALABRE_CLUSTER_NAME:-palabre} PALABRE_TEST_CLUSTER_CLICKHOUSE="$$(deploy/cluster.sh dsn)" \
		$(GO) test -count=1 -run '^TestClusterAnalyticsBenchReport$$' -v -timeout 60m ./analytics/clickhouse

## bench-restart: time from exec to ready over a journal of 100,000 answers, undelivered with
## ClickHouse down and delivered.
bench-restart: clickhouse
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 PALABRE_BENCH_RECORDS=$(or $(RECORDS),100000) \
		$(GO) test -count=1 -run '^TestRestartBenchReport$$' -v -timeout 30m ./cmd/palabre

## bench-report: `palabre report` over 1 and 10 million answers (seeded once into their own
## databases, then reused): wall and CPU time, peak RSS, the ratio to a bare excelize
## StreamWriter writing the same cells, and a cached HTTP download.
bench-report: clickhouse
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 $(if $(ANSWERS),PALABRE_BENCH_REPORT_ANSWERS=$(ANSWERS)) \
		$(GO) test -count=1 -run '^TestReportBenchReport$$' -v -timeout 90m ./reports/excel

## bench-dashboard: publish the dashboard of bench-report's 10-million-answer survey (seeded
## first if missing) and serve its link to 4 clients; publication time and view latencies.
bench-dashboard: clickhouse
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 PALABRE_BENCH_SEED_ONLY=1 PALABRE_BENCH_REPORT_ANSWERS=10000000 \
		$(GO) test -count=1 -run '^TestReportBenchReport$$' -timeout 90m ./reports/excel
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) PALABRE_BENCH=1 \
		$(GO) test -count=1 -run '^TestDashboardBenchReport$$' -v -timeout 30m ./cmd/palabre

## bench-import: palabre import-responses' work on a KoboToolbox export of 10,000 responses
## of partners-meeting (XLSX, French labels, groups, multiple choice joined and split, a
## matrix) into a fresh database: read, map and validate, write; then the edition's analytics
## are checked against the file's and a second load must change nothing. RESPONSES=n resizes it.
bench-import: clickhouse
	PALABRE_TEST_CLICKHOUSE=$(CLICKHOUSE_DSN) $(if $(RESPONSES),PALABRE_BENCH_IMPORT=$(RESPONSES)) \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkImport$$' -benchtime 3x -timeout 30m ./survey/pastdata

## mutate: mutation testing with gremlins over the unit-tested packages, one package at a
## time and its own tests only (subpackages excluded, integration tests skipped, -short
## sweeps thinned; -count=1 so that the timeout is taken from a real test run, not a cached
## one; -failfast, as one failing test kills a mutant; tests in parallel within the package). Each
## package's report goes to $(PALABRE_DATA)/mutate/<package>.log and .json; the console shows
## the survivors and the figures. MUTATE_PACKAGES and MUTATE_WORKERS narrow or widen the run.
GREMLINS_VERSION ?= v0.6.0
MUTATE_PACKAGES  ?= analytics survey survey/expr survey/journal survey/ingest survey/ingest/idindex reports/links
MUTATE_WORKERS   ?= 1
## A mutant whose tests run over MUTATE_TIMEOUT times the unmutated run's time is counted as
## timed out (an endless loop, most often), which is neither killed nor lived.
MUTATE_TIMEOUT   ?= 4
mutate:
	@GOBIN=$(CURDIR)/bin $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)
	@mkdir -p "$(PALABRE_DATA)/mutate"; status=0; \
	for pkg in $(MUTATE_PACKAGES); do \
		out="$(PALABRE_DATA)/mutate/$$(echo $$pkg | tr / -)"; echo "== $$pkg (full report: $$out.log)"; \
		GOFLAGS="-count=1 -short -parallel=8 -failfast" PALABRE_TEST_CLICKHOUSE=clickhouse://127.0.0.1:9 CI= bin/gremlins unleash ./$$pkg --exclude-files '^[a-z]+/' \
			--workers $(MUTATE_WORKERS) --timeout-coefficient $(MUTATE_TIMEOUT) --output "$$out.json" >"$$out.log" 2>&1 || status=1; \
		grep -E 'LIVED|TIMED OUT|Killed:|Timed out:|efficacy|coverage:' "$$out.log"; \
	done; exit $$status

bench-tool:
	$(GO) build -o bin/palabre-bench ./cmd/palabre-bench

test-deps:
	@deploy/test-deps.sh

clickhouse:
	@deploy/clickhouse.sh start

clickhouse-stop:
	@deploy/clickhouse.sh stop

clickhouse-status:
	@deploy/clickhouse.sh status

## cluster: a private ClickHouse cluster on loopback (ZooKeeper and 2 shards x 2 replicas by
## default, data in $(PALABRE_DATA)/cluster, ports from 19100), installed when missing; it
## prints the DSN to give palabre. PALABRE_CLUSTER_SHARDS, PALABRE_CLUSTER_REPLICAS,
## PALABRE_CLUSTER_PORT and PALABRE_CLUSTER_NAME change its shape (see deploy/cluster.sh).
cluster:
	@deploy/cluster.sh start
	@echo "PALABRE_CLICKHOUSE='$$(deploy/cluster.sh dsn)'"

cluster-stop:
	@deploy/cluster.sh stop

cluster-status:
	@deploy/cluster.sh status

## cluster-selftest: start a throw-away cluster of its own (ports from 19800), check
## replication, sharding, dedup, a killed server, ZooKeeper stopped, a restart and a crash.
cluster-selftest:
	@deploy/cluster-selftest.sh

## vet: go vet and staticcheck (fetched at the pinned version through the module proxy).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
vet:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
