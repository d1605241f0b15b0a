# sufler build. The README's two commands are `make demo` and `make test`; both install what is
# missing first (scripts/install-deps). Objects go to build/<flavour>/; sources are found by
# wildcard, so a new file in src/<module>/ needs no change here.
#
#   make            ./sufler, optimized (-O2)
#   make test       install deps, lint, ASan+UBSan build, unit + integration tests
#   make fuzz       libFuzzer targets (clang), each run for FUZZ_SECONDS (default 60)
#   make demo       install deps and Russian docs, build, ingest the docs, search them
#   make bench      the benchmark against Xapian, PostgreSQL FTS and SQLite FTS5 (long)
#   make bench-ingest  ingestion throughput beside pdftotext and the tesseract CLI
#   make bench-serve   the REST API under wrk beside a hello-world libmicrohttpd server

CC ?= cc
PKGS := libmicrohttpd libsodium libcurl icu-uc icu-i18n jansson sqlite3 hunspell libxml-2.0 libzip tesseract lept zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lcsv -lpthread -lm
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-missing-field-initializers -Werror
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc $(WARN) -g
RELEASE_CFLAGS := $(BASE_CFLAGS) -O2
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DSF_SANITIZE=1
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-DSF_SANITIZE=1 -DSF_FUZZ=1

# B and MODULES let a developer build a subset in a private folder while other modules are
# being edited: make B=build-me MODULES="base text" build-me/asan/tests/text/test_analyze
B ?= build
MODULES ?= base text parse index store engine net connect http
LIB_SRC := $(sort $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(foreach m,$(MODULES),$(wildcard tests/unit/$(m)/test_*.c)))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

REL_OBJ := $(patsubst %.c,$(B)/release/%.o,$(LIB_SRC) $(CLI_SRC))
ASAN_LIB_OBJ := $(patsubst %.c,$(B)/asan/%.o,$(LIB_SRC))
ASAN_CLI_OBJ := $(patsubst %.c,$(B)/asan/%.o,$(CLI_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(B)/fuzz/%.o,$(LIB_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/asan/tests/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

.SECONDARY:
.PHONY: out all deps test unit lint fuzz fuzz-build demo bench bench-ingest bench-serve clean check-deps-layers
all: sufler

deps:
	@scripts/install-deps

sufler: $(REL_OBJ)
	$(CC) -o $@ $^ $(PKG_LIBS)

# A release binary elsewhere (experiments beside a running benchmark): make B=build-x OUT=/tmp/s out
out: $(REL_OBJ)
	$(CC) -o $(OUT) $^ $(PKG_LIBS)

$(B)/release/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/asan/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/asan/sufler: $(ASAN_LIB_OBJ) $(ASAN_CLI_OBJ)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/asan/tests/%: tests/unit/%.c $(ASAN_LIB_OBJ) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -Itests/unit -o $@ $< $(ASAN_LIB_OBJ) $(PKG_LIBS) -lcmocka

# Module layering (DESIGN.md): a module may include only the modules listed before it.
lint:
	@scripts/lint

unit: $(UNIT_BIN) $(B)/asan/sufler

test: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory -j2 unit
	@tests/run-all

$(B)/fuzz/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@scripts/run-fuzz $(FUZZ_SECONDS)

demo:
	@scripts/install-deps demo
	@$(MAKE) --no-print-directory sufler
	@scripts/demo

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory sufler
	@bench/run

# ingestion throughput (Debian docs, PDFs beside pdftotext, OCR beside tesseract, incremental)
bench-ingest:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory sufler
	@bench/ingest

# the service under load (wrk) beside a hello-world libmicrohttpd server
bench-serve:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory sufler
	@bench/serve

clean:
	rm -rf $(B) sufler
