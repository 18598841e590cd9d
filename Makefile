# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Makefile - one non-recursive build for xpool; every output lands under build/.
#
#   make            build everything          make check   deps, build, all tests
#   make demo       the whole pool, live      make demo-check  the same, unattended
#   make bench      xpool against its peers   make fuzz        libFuzzer on the DNS wire code
#   make deps       install Debian packages   make doc-check   README's commands, as printed
#   V=1  show commands   SANITIZE=1  ASan/UBSan

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif
# BPF objects are built once, with or without SANITIZE; scripts find them through BPF_BUILD
BPF_BUILD := build/bpf
export BPF_BUILD

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -fno-strict-aliasing -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE $(SAN_FLAGS)
# no path of the build tree in a binary, debug information included
CFLAGS += -ffile-prefix-map=$(CURDIR)=.
# where make install puts the programs and the read-only GeoIP data (DATADIR/xpool, the package
# xpool-geoip's place); the build tree's copy is found at run time, not baked in
PREFIX ?= /usr
DATADIR ?= $(PREFIX)/share
LOCALSTATEDIR ?= /var/lib
CFLAGS += -DXPOOL_LOCALSTATEDIR='"$(LOCALSTATEDIR)"' -DXPOOL_DATADIR='"$(DATADIR)"'
LDFLAGS += $(SAN_FLAGS)
BPF_CFLAGS := -g -O2 -fno-strict-aliasing -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -MMD -MP \
	-ffile-prefix-map=$(CURDIR)=. \
	-Ibpf -I/usr/include/$(MULTIARCH)

# A failed recipe leaves no half-written target behind.
.DELETE_ON_ERROR:

# ---- BPF objects and skeletons: .bpf.c -> .bpf.o -> .skel.h ----
BPF_PROGS := xpool_ntp xpool_dns xpool_reflect xpool_pass xpool_bench xpool_ntpgun xpool_sink \
	xdp_root xdp_count
BPF_OBJS := $(BPF_PROGS:%=$(BPF_BUILD)/%.bpf.o)
SKEL := $(BUILD)/skel
skel = $(patsubst %,$(SKEL)/%.skel.h,$(1))

$(BPF_BUILD)/%.bpf.o: bpf/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/%.bpf.o: tools/xdp_chain/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/%.bpf.o: tools/bench/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/%.bpf.o: tools/ntpgun/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL)/%.skel.h: $(BPF_BUILD)/%.bpf.o | $(SKEL)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# ---- userspace: each library compiles with the include paths of what it may use, so that a
# layering mistake (a product including another product's header) fails to compile ----
INC_COMMON := -Iuserspace/common
# the pool's rules (snapshot format, listing, zones, draws, geo): for xpool-dns and the registry's users
INC_POOL := -Iuserspace/pool $(INC_COMMON)
INC_BPF := -Ibpf -I$(SKEL)
INC_RSP := -Iuserspace/responder $(INC_COMMON) $(INC_BPF)
INC_NTPD := -Iuserspace/ntpd $(INC_RSP)
INC_REG := -Iuserspace/registry $(INC_POOL)
$(BUILD)/obj/userspace/registry/reg_pg.o: INC = $(INC_REG) -I/usr/include/postgresql
INC_MON := -Iuserspace/monitor $(INC_REG)
# the status pages and graphs: for xpoolctl and xpool-api
INC_WEB := -Iuserspace/web $(INC_REG)
INC_API := -Iuserspace/api $(INC_WEB)
INC_CTL := -Iuserspace/xpoolctl $(INC_WEB) $(INC_RSP)
INC_DNS := -Idns $(INC_POOL) $(INC_BPF)
INC_TOOLS := $(INC_COMMON) $(INC_BPF)
INC_BENCH := -Itools/bench -Itests/lib $(INC_RSP)
INC_TESTS := -Itests/lib -Iuserspace/ntpd -Iuserspace/monitor -Iuserspace/api $(INC_RSP) $(INC_WEB) -Idns \
	-I/usr/include/postgresql

$(BUILD)/obj/userspace/common/%.o: INC := $(INC_COMMON)
$(BUILD)/obj/userspace/pool/%.o: INC := $(INC_POOL)
$(BUILD)/obj/userspace/responder/%.o: INC := $(INC_RSP)
$(BUILD)/obj/userspace/ntpd/%.o: INC := $(INC_NTPD)
$(BUILD)/obj/userspace/registry/%.o: INC := $(INC_REG)
$(BUILD)/obj/userspace/web/%.o: INC := $(INC_WEB)
$(BUILD)/obj/userspace/monitor/%.o: INC := $(INC_MON)
$(BUILD)/obj/userspace/xpoolctl/%.o: INC := $(INC_CTL)
$(BUILD)/obj/userspace/api/%.o: INC := $(INC_API)
$(BUILD)/obj/dns/%.o: INC := $(INC_DNS)
$(BUILD)/obj/tools/%.o: INC := $(INC_TOOLS)
$(BUILD)/obj/tools/bench/%.o: INC := $(INC_BENCH)
$(BUILD)/obj/tests/%.o: INC := $(INC_TESTS)
$(BUILD)/obj/tests/fuzz/%.o: INC := $(INC_DNS)
$(BUILD)/obj/tests/fuzz/fuzz_xdp.o: INC := $(INC_TESTS)
$(BUILD)/obj/tests/fuzz/fuzz_api.o: INC := $(INC_API)

COMMON_SRCS := $(wildcard userspace/common/*.c)
# one version for every binary: the VERSION file, and the commit when built from git
VERSION := $(shell v=$$(cat VERSION 2>/dev/null || echo 0); h=$$(git describe --always --dirty 2>/dev/null); echo "$$v$${h:++g$$h}")
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' >$@.tmp; cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/obj/userspace/common/xp_version.o: $(BUILD)/version.stamp
$(BUILD)/obj/userspace/common/xp_version.o: CPPFLAGS += -DXPOOL_VERSION='"$(VERSION)"'
.PHONY: FORCE
FORCE:
COMMON_LIB := $(BUILD)/libxpool-common.a
POOL_SRCS := $(wildcard userspace/pool/*.c)
POOL_LIB := $(BUILD)/libxpool-pool.a
RSP_LIB := $(BUILD)/libxpool-responder.a
NTPD_LIB_SRCS := $(filter-out userspace/ntpd/ntpd_main.c,$(wildcard userspace/ntpd/*.c))
NTPD_LIB := $(BUILD)/libxpool-ntpd.a
NTPD_BIN := $(BUILD)/xpool-ntpd
DNS_LIB_SRCS := $(filter-out dns/dns_main.c,$(wildcard dns/*.c))
DNS_LIB := $(BUILD)/libxpool-dns.a
DNS_BIN := $(BUILD)/xpool-dns
DNS_LIBS := -lurcu -ljansson -lmaxminddb -lsodium -lcurl -lcap -lxdp -lbpf -lelf -lz -lpthread -lm
REG_LIB := $(BUILD)/libxpool-registry.a
WEB_LIB := $(BUILD)/libxpool-web.a
REG_LIBS := -lsqlite3 -lpq
MON_BIN := $(BUILD)/xpool-monitor
MON_LIB := $(BUILD)/libxpool-monitor.a
MON_LIB_SRCS := userspace/monitor/mon_score.c userspace/monitor/mon_ntp.c userspace/monitor/mon_round.c \
	userspace/monitor/mon_sink.c
API_BIN := $(BUILD)/xpool-api
API_LIB := $(BUILD)/libxpool-api.a
API_LIB_SRCS := $(filter-out userspace/api/api_main.c,$(wildcard userspace/api/*.c))
API_LIBS := -lmicrohttpd -lcurl -ljansson -lsodium -lmaxminddb -lsystemd -lpthread -lm
PROBE_BIN := $(BUILD)/xpool-ntp-probe
GUN_BIN := $(BUILD)/xpool-ntpgun
CTL_BIN := $(BUILD)/xpoolctl
BENCH_XDP_BIN := $(BUILD)/bench-xdp
# pure unit tests (any user), and the BPF tests (root: they load programs), in binaries of their own
TEST_LIB_SRCS := $(filter-out tests/lib/xt_bpf.c tests/lib/xt_fuzz.c tests/lib/xt_check.c,$(wildcard tests/lib/*.c))
TEST_SRCS := $(TEST_LIB_SRCS) $(wildcard tests/unit/*.c)
TEST_BIN := $(BUILD)/tests/xpool-unit
BPF_TEST_SRCS := $(filter-out tests/lib/xt_pg.c,$(wildcard tests/lib/*.c tests/bpf/*.c))
BPF_TEST_BIN := $(BUILD)/tests/xpool-bpf
FUZZ_REPLAY := $(BUILD)/tests/fuzz-replay-dns $(BUILD)/tests/fuzz-replay-snapshot \
	$(BUILD)/tests/fuzz-replay-config $(BUILD)/tests/fuzz-replay-frame $(BUILD)/tests/fuzz-replay-api
GEO_TEST := $(BUILD)/tests/geo-test.mmdb
GEO_TEST_IPL := $(BUILD)/tests/geo-test-ipl.mmdb

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

$(BUILD)/obj/%.o: %.c Makefile
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(INC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# the skeletons each object includes (after the first build -MMD records them too)
$(call obj,userspace/responder/rsp_xdp.c tests/bpf/test_ntp_table.c tests/bpf/test_ntp_policy.c): \
	$(call skel,xpool_ntp)
$(call obj,tools/ntpgun/ntpgun.c): $(call skel,xpool_ntpgun)
$(call obj,dns/dns_xdp.c tests/bpf/test_dns_prog.c): $(call skel,xpool_dns)
$(call obj,tools/bench/bench_xdp.c): $(call skel,xpool_bench xpool_ntp xpool_pass xpool_reflect)

$(COMMON_LIB): $(call obj,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(POOL_LIB): $(call obj,$(POOL_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(RSP_LIB): $(call obj,$(wildcard userspace/responder/*.c))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(NTPD_LIB): $(call obj,$(NTPD_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(NTPD_BIN): $(call obj,userspace/ntpd/ntpd_main.c) $(NTPD_LIB) $(RSP_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lxdp -lbpf -lelf -lz -lcap -lsystemd -lm

$(DNS_LIB): $(call obj,$(DNS_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(DNS_BIN): $(call obj,dns/dns_main.c) $(DNS_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(DNS_LIBS) -lsystemd

$(REG_LIB): $(call obj,$(wildcard userspace/registry/*.c))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(WEB_LIB): $(call obj,$(wildcard userspace/web/*.c))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(MON_LIB): $(call obj,$(MON_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(MON_BIN): $(call obj,userspace/monitor/mon_main.c) $(MON_LIB) $(REG_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(REG_LIBS) -ljansson -lsodium -lsystemd -lm

$(API_LIB): $(call obj,$(API_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(API_BIN): $(call obj,userspace/api/api_main.c) $(API_LIB) $(WEB_LIB) $(REG_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(REG_LIBS) $(API_LIBS)

$(CTL_BIN): $(call obj,$(wildcard userspace/xpoolctl/*.c)) $(WEB_LIB) $(REG_LIB) $(POOL_LIB) $(RSP_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(REG_LIBS) -ljansson -lsodium -lxdp -lbpf -lelf -lz -lm

$(GUN_BIN): $(call obj,tools/ntpgun/ntpgun.c) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lbpf -lelf -lz -lm

$(PROBE_BIN): $(call obj,tools/ntp_probe.c) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lm

$(BENCH_XDP_BIN): $(call obj,tools/bench/bench_xdp.c tests/lib/xt_pkt.c) $(RSP_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lxdp -lbpf -lelf -lz -lm

$(TEST_BIN): $(call obj,$(TEST_SRCS)) $(MON_LIB) $(API_LIB) $(WEB_LIB) $(REG_LIB) $(NTPD_LIB) $(RSP_LIB) $(DNS_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcriterion -lbpf -lelf -lz -lsystemd $(REG_LIBS) $(DNS_LIBS) -lmicrohttpd

$(BPF_TEST_BIN): $(call obj,$(BPF_TEST_SRCS)) $(RSP_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcriterion -lxdp -lbpf -lelf -lz -lm

$(BUILD)/tests/fuzz-replay-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(call obj,tests/fuzz/replay.c) \
		$(DNS_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(DNS_LIBS)

# the API's routes over a registry of their own (no HTTP, no packets: the check is a stand-in)
$(BUILD)/tests/fuzz-replay-api: $(BUILD)/obj/tests/fuzz/fuzz_api.o $(call obj,tests/fuzz/replay.c) \
		$(API_LIB) $(REG_LIB) $(POOL_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(REG_LIBS) $(API_LIBS)

# make fuzz [FUZZ_SECONDS=60]: each target for that long, under ASan/UBSan: the DNS wire code and
# answers, the snapshot parser, the configuration parser, the API's request handler (libFuzzer),
# and the XDP program against its reference model. make check replays the corpora.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := dns snapshot config frame api
FUZZ_LIBFUZZER := $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
FUZZ_XDP := build/san/fuzz/fuzz-xdp
FUZZ_SRCS := $(DNS_LIB_SRCS) $(POOL_SRCS) $(COMMON_SRCS)

build/fuzz/fuzz-%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(wildcard dns/*.h userspace/pool/*.h userspace/common/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -D_GNU_SOURCE -DXPOOL_LOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(INC_DNS) $< \
		$(FUZZ_SRCS) -o $@ $(DNS_LIBS)

FUZZ_API_SRCS := $(filter-out userspace/api/api_http.c,$(API_LIB_SRCS)) \
	$(wildcard userspace/registry/*.c) $(POOL_SRCS) $(COMMON_SRCS)
build/fuzz/fuzz-api: tests/fuzz/fuzz_api.c $(FUZZ_API_SRCS) $(wildcard userspace/api/*.h \
		userspace/registry/*.h userspace/pool/*.h userspace/common/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -D_GNU_SOURCE -DXPOOL_LOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(INC_API) \
		-I/usr/include/postgresql $< $(FUZZ_API_SRCS) -o $@ $(REG_LIBS) -lcurl -ljansson \
		-lsodium -lmaxminddb -lpthread -lm

$(BUILD)/fuzz/fuzz-xdp: $(call obj,tests/fuzz/fuzz_xdp.c tests/lib/xt_fuzz.c tests/lib/xt_pkt.c \
		tests/lib/xt_bpf.c) $(RSP_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lxdp -lbpf -lelf -lz -lm

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_LIBFUZZER)
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 $(FUZZ_XDP)
	$(Q)for t in $(FUZZ_TARGETS); do mkdir -p build/fuzz/corpus-$$t; \
		echo "== fuzz-$$t: $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -max_len=1500 -print_final_stats=1 \
			-close_fd_mask=$$([ $$t = dns ] && echo 0 || echo 2) \
			build/fuzz/corpus-$$t tests/fuzz/corpus$$([ $$t = dns ] || echo -$$t) 2>&1 | \
			grep -E "^(stat::number_of_executed_units|stat::peak_rss|#[0-9]+[[:space:]]+DONE)|ERROR|SUMMARY" \
			|| exit 1; done
	$(Q)echo "== fuzz-xdp: $(FUZZ_SECONDS) s" && $(FUZZ_XDP) $(FUZZ_SECONDS)

$(BPF_BUILD) $(SKEL):
	$(Q)mkdir -p $@

# nothing built is an intermediate to delete (objects of pattern rules, skeletons)
.SECONDARY:
.DEFAULT_GOAL := all
.PHONY: all tests layers docs deps check unit bpf-tests integration-stress integration doc-check demo demo-check install bench bench-xdp bench-ntp bench-dns bench-monitor clean format fuzz

# make: the product (daemons, xpoolctl, tools); tests build under make check, benchmarks under
# make bench, fuzz targets under make fuzz
PRODUCT := $(BPF_OBJS) $(NTPD_BIN) $(CTL_BIN) $(MON_BIN) $(API_BIN) $(DNS_BIN) $(PROBE_BIN) $(GUN_BIN)
TESTS := $(TEST_BIN) $(BPF_TEST_BIN) $(FUZZ_REPLAY) $(GEO_TEST) $(GEO_TEST_IPL)

all: $(PRODUCT)

tests: $(TESTS)

deps:
	$(Q)tools/deps.sh

# Unit and BPF tests (Criterion), the layering check, then the namespace integration tests.
check: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)$(MAKE) --no-print-directory layers docs unit bpf-tests integration doc-check demo-check

# the build enforces the layering: one deliberate violation must fail to compile
layers:
	$(Q)BUILD=$(BUILD) tools/check_layers.sh

# the man pages describe every directive with the table's default; every binary says its version
docs: all $(BENCH_XDP_BIN)
	$(Q)BUILD=$(BUILD) tools/check_docs.sh

$(GEO_TEST): tests/data/geo-test.csv tools/geo/mkmmdb.pl
	$(call msg,MMDB,$@)
	@mkdir -p $(@D)
	$(Q)perl tools/geo/mkmmdb.pl --format maxmind $< $@

$(GEO_TEST_IPL): tests/data/geo-test.csv tools/geo/mkmmdb.pl
	$(call msg,MMDB,$@)
	@mkdir -p $(@D)
	$(Q)perl tools/geo/mkmmdb.pl --format ip-location-db $< $@

# make unit: the pure unit tests and the corpora, as any user (no deps, no root)
unit: $(TEST_BIN) $(FUZZ_REPLAY) $(GEO_TEST) $(GEO_TEST_IPL)
	$(Q)XPOOL_GEO_TEST=$(GEO_TEST) $(TEST_BIN) --jobs 2
	$(Q)$(BUILD)/tests/fuzz-replay-dns tests/fuzz/corpus
	$(Q)$(BUILD)/tests/fuzz-replay-snapshot tests/fuzz/corpus-snapshot 2>/dev/null
	$(Q)$(BUILD)/tests/fuzz-replay-config tests/fuzz/corpus-config 2>/dev/null
	$(Q)$(BUILD)/tests/fuzz-replay-frame tests/fuzz/corpus-frame
	$(Q)$(BUILD)/tests/fuzz-replay-api tests/fuzz/corpus-api 2>/dev/null

# the integration tests with every core busy (stress-ng): timing bounds must hold under load
integration-stress: all tests
	$(Q)stress-ng --cpu $$(nproc) --timeout 3600 --quiet & pid=$$!; \
	BUILD=$(BUILD) tests/integration/run.sh; rc=$$?; \
	start=$$(date +%s); doc=PASS; BUILD=$(BUILD) tests/doc/doc_check.sh >build/doc-check.log 2>&1 || \
	{ rc=1; doc=FAIL; tail -n 40 build/doc-check.log; }; \
	echo "doc-check under load: $$doc ($$(($$(date +%s) - start))s)"; \
	kill $$pid; wait $$pid 2>/dev/null; exit $$rc

# the XDP program through bpf_prog_test_run: root; skipped, with the reason, otherwise
bpf-tests: $(BPF_TEST_BIN)
	$(Q)if [ "$$(id -u)" -eq 0 ]; then $(BPF_TEST_BIN) --jobs 2; \
	else $(BPF_TEST_BIN) --verbose 2>&1 | grep -E "^\[(SKIP|====)\]"; fi

integration: all tests
	$(Q)BUILD=$(BUILD) tests/integration/run.sh

# README.md's operator commands, run as printed in network namespaces (tests/doc/doc_check.sh)
doc-check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)start=$$(date +%s); BUILD=$(BUILD) tests/doc/doc_check.sh >build/doc-check.log 2>&1; rc=$$?; \
	if [ $$rc -eq 0 ]; then echo "[PASS] doc-check ($$(($$(date +%s) - start))s)"; \
	else tail -n 40 build/doc-check.log; echo "[FAIL] doc-check (log: build/doc-check.log)"; fi; exit $$rc

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/demo/pool.sh

# the demo's scenario, unattended: exits 0 only if every step happened. Each xpool-ntpd starts
# DEMO_SLOW_START late (lib.sh's XP_SLOW_START, test-only), as when four programs load at once
# on a busy machine: a step that announces a server before it answers fails every time here.
DEMO_SLOW_START ?= xpool-ntpd=3
demo-check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)DEMO_CHECK=1 XP_SLOW_START="$(DEMO_SLOW_START)" BUILD=$(BUILD) tools/demo/pool.sh

# make bench: every comparison, each also on its own; tables and CSV/JSON land in build/bench/
bench: bench-xdp bench-ntp bench-dns bench-monitor

# one monitor round over a simulated pool of 10,000 servers on one core
bench-monitor: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/bench_monitor.sh

# each figure the median of 5 rounds; make bench-xdp ROUNDS=N for more
bench-xdp: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_XDP_BIN)
	$(Q)echo "kernel $$(uname -r), $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $$(nproc) cores"
	$(Q)$(BENCH_XDP_BIN) $(if $(ROUNDS),--rounds $(ROUNDS))

bench-ntp: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/bench_ntp.sh

bench-dns: deps
	$(Q)$(MAKE) --no-print-directory all $(GEO_TEST)
	$(Q)BUILD=$(BUILD) tools/bench/bench_dns.sh

# make install [DESTDIR=...] [PREFIX=/usr]: daemons, tools, man pages, the unit, the GeoIP data
# (DATADIR/xpool, read by xpool-dns and xpool-api; make deps fetches it)
GEOIP_DB := build/geoip/geo-whois-asn-country.mmdb
install: all
	$(Q)[ -f $(GEOIP_DB) ] || { echo "install: $(GEOIP_DB) is missing: make deps fetches it" \
		"(tools/geo/fetch.sh, with npm)"; exit 1; }
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LOCALSTATEDIR)/xpool \
		$(DESTDIR)$(DATADIR)/xpool \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)/lib/systemd/system $(DESTDIR)/etc/xpool
	$(Q)install -m 0755 $(NTPD_BIN) $(DNS_BIN) $(MON_BIN) $(API_BIN) $(CTL_BIN) $(DESTDIR)$(PREFIX)/sbin/
	$(Q)install -m 0755 $(PROBE_BIN) $(GUN_BIN) $(DESTDIR)$(PREFIX)/bin/
	$(Q)install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(Q)install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	$(Q)install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)install -m 0644 tools/systemd/xpool-ntpd.service tools/systemd/xpool-monitor.service \
		tools/systemd/xpool-dns.service tools/systemd/xpool-api.service \
		$(DESTDIR)/lib/systemd/system/
	$(Q)install -m 0644 $(GEOIP_DB) $(DESTDIR)$(DATADIR)/xpool/

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	$(Q)rm -rf build

-include $(shell find build -path build/peers -prune -o -path build/debroot -prune -o -name '*.d' -type f -print 2>/dev/null)

# make deb: the Debian packages (xpool-ntpd, xpool-dns, xpool-monitor, xpool-api, xpool-tools, and
# xpool-geoip, the GeoIP database both xpool-dns and xpool-api read) in build/deb
deb: deps
	$(Q)command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
		{ echo "deb: needs dpkg-dev and debhelper (make deps)"; exit 1; }
	$(Q)dpkg-buildpackage -us -uc -b
	$(Q)mkdir -p build/deb && mv ../xpool*_$$(dpkg-parsechangelog -S Version)_*.deb \
		../xpool_$$(dpkg-parsechangelog -S Version)_*.buildinfo \
		../xpool_$$(dpkg-parsechangelog -S Version)_*.changes build/deb/
	$(Q)lintian --fail-on error,warning build/deb/*.changes
.PHONY: deb

# make deb-check: the packages installed into a fresh Debian 12 root, checked, and purged
deb-check: deb
	$(Q)tools/deb_check.sh
.PHONY: deb-check
