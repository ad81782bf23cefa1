# llmops build. `make` builds build/llmops; `make test` installs what is missing, builds and
# runs every test; `make san` does the same under ASan + UBSan; `make fuzz` runs the fuzzers.
# Dependencies are Debian packages found with pkg-config (scripts/install-deps.sh installs them).

PKGS    := libmicrohttpd jansson sqlite3 libpq libcrypto libcurl yaml-0.1 hiredis zlib
VERSION := $(shell cat VERSION)
BUILD   ?= build
CC      ?= cc

OPT      ?= -O2 -g
SANFLAGS :=
ifeq ($(SAN),1)
OPT      := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif

CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(SANFLAGS) -Wall -Wextra -Werror -Wshadow \
           -Wstrict-prototypes -Wformat=2 -Isrc -DLLMOPS_VERSION='"$(VERSION)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(EXTRA_CFLAGS)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
LDFLAGS := $(SANFLAGS)

SRCS := $(shell find src -name '*.c' ! -name main.c | sort)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
DEPS := $(OBJS:.o=.d) $(BUILD)/obj/src/main.d

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRCS := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BINS := $(INTEG_SRCS:tests/integration/%.c=$(BUILD)/tests/%)
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)

.PHONY: all run deps test test-run san fuzz fuzz-build format format-check clean
all: $(BUILD)/llmops $(BUILD)/fake_provider

$(BUILD)/llmops: $(OBJS) $(BUILD)/obj/src/main.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libllmops.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c VERSION
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libllmops.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libllmops.a $(TEST_LIBS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/integration/%.c $(wildcard tests/integration/*.h) $(BUILD)/libllmops.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libllmops.a $(TEST_LIBS) $(LDFLAGS) $(LDLIBS)

# The fake LLM provider (tests/fake_provider): a standalone server for the gateway tests and the
# fixed upstream of bench-gateway; not part of llmops or libllmops.a.
$(BUILD)/fake_provider: tests/fake_provider/fake_provider.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LDLIBS)

deps:
	scripts/install-deps.sh

# Quickstart (1): install, build, start on the embedded defaults (127.0.0.1:5050, ./llmops-data).
run: deps
	$(MAKE) all
	$(BUILD)/llmops server

# Quickstart (2): install, build, run unit + integration tests against SQLite and PostgreSQL.
test: deps
	$(MAKE) test-run

test-run: $(BUILD)/llmops $(BUILD)/fake_provider $(UNIT_BINS) $(INTEG_BINS)
	BUILD=$(BUILD) tests/run.sh

san: deps
	$(MAKE) BUILD=build/san SAN=1 test-run

# Fuzzing needs clang's libFuzzer; FUZZ_SECONDS bounds each target's run.
FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
fuzz-build:
	$(MAKE) BUILD=build/fuzz-obj CC=clang SAN=1 \
	  EXTRA_CFLAGS='-fsanitize=fuzzer-no-link -Wno-unused-command-line-argument' \
	  build/fuzz-obj/libllmops.a
	$(MAKE) $(FUZZ_BINS)
build/fuzz/%: fuzz/%.c build/fuzz-obj/libllmops.a
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Isrc -fsanitize=fuzzer,address,undefined \
	  $(shell pkg-config --cflags $(PKGS)) -o $@ $< build/fuzz-obj/libllmops.a $(LDLIBS)
fuzz: deps
	$(MAKE) fuzz-build
	@set -e; for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); mkdir -p build/fuzz/corpus/$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus/$$name fuzz/seeds/$$name \
	    2>build/fuzz/$$name.log || { tail -50 build/fuzz/$$name.log; exit 1; }; \
	  tail -1 build/fuzz/$$name.log; done

format:
	clang-format -i $$(find src tests fuzz bench -name '*.[ch]')
format-check:
	clang-format --dry-run -Werror $$(find src tests fuzz bench -name '*.[ch]')

clean:
	rm -rf build

-include $(DEPS)

# Benchmarks: bench/<area>/bench_<area>.c, one program per area, printing its figures (the
# README quotes them). Each bench-<area> target builds and runs one.
.PHONY: bench-tracking bench-registry bench-prompts bench-template bench-vectors bench-gateway \
        bench-gateway-policies
.SECONDEXPANSION:
$(BUILD)/bench/bench_%: bench/$$*/bench_$$*.c $(BUILD)/libllmops.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libllmops.a $(LDFLAGS) $(LDLIBS)

# MLflow log-batch ingest and runs/search over 100,000 runs, on SQLite and PostgreSQL.
bench-tracking: $(BUILD)/llmops $(BUILD)/bench/bench_tracking
	LLMOPS_BIN=$(BUILD)/llmops $(BUILD)/bench/bench_tracking
# Trace queries and sessions over HTTP on 1M seeded traces (BENCH_TRACES), SQLite and PostgreSQL.
.PHONY: bench-traces
bench-traces: $(BUILD)/llmops $(BUILD)/bench/bench_traces
	LLMOPS_BIN=$(BUILD)/llmops $(BUILD)/bench/bench_traces
# Registry service calls: SQLite, plus PostgreSQL when LLMOPS_BENCH_PG_URL names an empty database.
bench-registry: $(BUILD)/bench/bench_registry
	$(BUILD)/bench/bench_registry
# Prompt registry: compile vs render cost, diff bounds.
bench-prompts: $(BUILD)/bench/bench_prompts
	$(BUILD)/bench/bench_prompts
# Template engine vs the nunjucks npm package on the same chat prompt; prints renders/s of each
# and the ratio. BENCH_RENDERS sets the count.
BENCH_RENDERS ?= 200000
bench-template: $(BUILD)/bench/bench_template
	npm ci --prefix bench/template --no-audit --no-fund --loglevel=error
	bench/template/run.sh $(BUILD)/bench/bench_template $(BENCH_RENDERS)
# The vector index against hnswlib on one core (bench/vectors/run.sh; BENCH_* settings there).
bench-vectors:
	BUILD=$(BUILD) bench/vectors/run.sh
# OpenAI-compatible gateway: the same wrk load against the fake provider directly, nginx, llmops
# and the Portkey gateway (bench/gateway/run.sh; BENCH_* settings there).
bench-gateway: $(BUILD)/llmops $(BUILD)/fake_provider
	BUILD=$(BUILD) bench/gateway/run.sh
# Gateway policy units: ns per call of rate limit, budget, breaker, cache key/get, routing.
bench-gateway-policies: $(BUILD)/bench/bench_gateway_policies
	$(BUILD)/bench/bench_gateway_policies
