# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Makefile - one non-recursive build for xpool; every output lands under build/.
#
#   make            build everything          make check   deps, build, all tests
#   make demo       the whole pool, live      make demo-check  the same, unattended
#   make bench      xpool against its peers   make fuzz        libFuzzer on the DNS wire code
#   make deps       install Debian packages   V=1  show commands   SANITIZE=1  ASan/UBSan

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif
BPF_BUILD := build/bpf

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
CFLAGS += -DXPOOL_GEOIP_DEFAULT='"$(CURDIR)/build/geoip/geo-whois-asn-country.mmdb"'
CPPFLAGS += -Ibpf -Iuserspace/common -Iuserspace/ntpd -Iuserspace/registry -Iuserspace/monitor -Idns -Itests/lib -I$(BUILD)/skel
LDFLAGS += $(SAN_FLAGS)
BPF_CFLAGS := -g -O2 -fno-strict-aliasing -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -MMD -MP \
	-Ibpf -I/usr/include/$(MULTIARCH)

# ---- BPF objects and skeletons: .bpf.c -> .bpf.o -> .skel.h ----
BPF_PROGS := xpool_ntp xpool_reflect xpool_pass xpool_bench xpool_ntpgun xpool_sink
BPF_OBJS := $(BPF_PROGS:%=$(BPF_BUILD)/%.bpf.o)
SKELS := $(BPF_PROGS:%=$(BUILD)/skel/%.skel.h)

$(BPF_BUILD)/%.bpf.o: bpf/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/%.bpf.o: tools/bench/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/%.bpf.o: tools/ntpgun/%.bpf.c Makefile | $(BPF_BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BPF_BUILD)/%.bpf.o | $(BUILD)/skel
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# ---- userspace ----
COMMON_SRCS := $(wildcard userspace/common/*.c)
COMMON_LIB := $(BUILD)/libxpool-common.a
NTPD_LIB_SRCS := $(filter-out userspace/ntpd/ntpd_main.c,$(wildcard userspace/ntpd/*.c))
NTPD_LIB := $(BUILD)/libxpool-ntpd.a
NTPD_BIN := $(BUILD)/xpool-ntpd
DNS_LIB_SRCS := $(filter-out dns/dns_main.c,$(wildcard dns/*.c))
DNS_LIB := $(BUILD)/libxpool-dns.a
DNS_BIN := $(BUILD)/xpool-dns
DNS_LIBS := -lurcu -ljansson -lmaxminddb -lcap -lpthread -lm
REG_LIB := $(BUILD)/libxpool-registry.a
MON_BIN := $(BUILD)/xpool-monitor
MON_LIB_SRCS := userspace/monitor/mon_score.c userspace/monitor/mon_ntp.c
PROBE_BIN := $(BUILD)/xpool-ntp-probe
GUN_BIN := $(BUILD)/xpool-ntpgun
CTL_BIN := $(BUILD)/xpoolctl
BENCH_XDP_BIN := $(BUILD)/bench-xdp
TEST_SRCS := $(wildcard tests/lib/*.c tests/unit/*.c tests/bpf/*.c)
TEST_BIN := $(BUILD)/tests/xpool-tests
FUZZ_REPLAY := $(BUILD)/tests/fuzz-replay
GEO_TEST := $(BUILD)/tests/geo-test.mmdb
GEO_TEST_IPL := $(BUILD)/tests/geo-test-ipl.mmdb

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

$(BUILD)/obj/%.o: %.c Makefile | $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(COMMON_LIB): $(call obj,$(COMMON_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(NTPD_LIB): $(call obj,$(NTPD_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(NTPD_BIN): $(call obj,userspace/ntpd/ntpd_main.c) $(NTPD_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lbpf -lelf -lz -lcap -lsystemd -lm

$(DNS_LIB): $(call obj,$(DNS_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(DNS_BIN): $(call obj,dns/dns_main.c) $(DNS_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(DNS_LIBS)

$(REG_LIB): $(call obj,userspace/registry/reg_db.c $(MON_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(MON_BIN): $(call obj,userspace/monitor/mon_main.c) $(REG_LIB) $(NTPD_LIB) $(DNS_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lsqlite3 -ljansson -lbpf -lelf -lz -lm

$(CTL_BIN): $(call obj,userspace/xpoolctl/xpoolctl.c) $(REG_LIB) $(NTPD_LIB) $(DNS_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lsqlite3 -ljansson -lbpf -lelf -lz -lm

$(GUN_BIN): $(call obj,tools/ntpgun/ntpgun.c) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lbpf -lelf -lz -lm

$(PROBE_BIN): $(call obj,tools/ntp_probe.c) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lm

$(BENCH_XDP_BIN): $(call obj,tools/bench/bench_xdp.c tests/lib/xt_pkt.c) $(NTPD_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lbpf -lelf -lz -lm

$(TEST_BIN): $(call obj,$(TEST_SRCS)) $(REG_LIB) $(NTPD_LIB) $(DNS_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcriterion -lbpf -lelf -lz -lsystemd -lsqlite3 $(DNS_LIBS)

$(FUZZ_REPLAY): $(call obj,tests/fuzz/fuzz_dns.c tests/fuzz/replay.c) $(DNS_LIB) $(COMMON_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(DNS_LIBS)

# libFuzzer build of the DNS wire code and answers: make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS ?= 60
FUZZ_BIN := build/fuzz/fuzz-dns
FUZZ_SRCS := tests/fuzz/fuzz_dns.c $(DNS_LIB_SRCS) $(COMMON_SRCS)

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard dns/*.h userspace/common/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Idns \
		-Iuserspace/common $(FUZZ_SRCS) -o $@ $(DNS_LIBS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	@mkdir -p build/fuzz/corpus
	$(Q)$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=1500 build/fuzz/corpus tests/fuzz/corpus

$(BPF_BUILD) $(BUILD)/skel:
	$(Q)mkdir -p $@

.SECONDARY: $(BPF_OBJS) $(SKELS)
.DEFAULT_GOAL := all
.PHONY: all deps check unit integration demo demo-check install bench bench-xdp bench-ntp bench-dns clean format fuzz

all: $(BPF_OBJS) $(NTPD_BIN) $(CTL_BIN) $(MON_BIN) $(DNS_BIN) $(PROBE_BIN) $(GUN_BIN) $(GEO_TEST) $(GEO_TEST_IPL) $(FUZZ_REPLAY) $(BENCH_XDP_BIN) $(TEST_BIN)

deps:
	$(Q)tools/deps.sh

# Unit and BPF tests (Criterion), then the namespace integration tests.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit integration demo-check

$(GEO_TEST): tests/data/geo-test.csv tools/geo/mkmmdb.pl
	$(call msg,MMDB,$@)
	@mkdir -p $(@D)
	$(Q)perl tools/geo/mkmmdb.pl --format maxmind $< $@

$(GEO_TEST_IPL): tests/data/geo-test.csv tools/geo/mkmmdb.pl
	$(call msg,MMDB,$@)
	@mkdir -p $(@D)
	$(Q)perl tools/geo/mkmmdb.pl --format ip-location-db $< $@

unit: $(TEST_BIN) $(GEO_TEST) $(GEO_TEST_IPL) $(FUZZ_REPLAY)
	$(Q)XPOOL_GEO_TEST=$(GEO_TEST) $(TEST_BIN) --jobs 2
	$(Q)$(FUZZ_REPLAY) tests/fuzz/corpus

integration: all
	$(Q)BUILD=$(BUILD) tests/integration/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/demo/pool.sh

# the demo's scenario, unattended: exits 0 only if every step happened
demo-check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)DEMO_CHECK=1 BUILD=$(BUILD) tools/demo/pool.sh

# make bench: every comparison, each also on its own; tables and CSV/JSON land in build/bench/
bench: bench-xdp bench-ntp bench-dns

bench-xdp: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_XDP_BIN)
	$(Q)echo "kernel $$(uname -r), $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $$(nproc) cores"
	$(Q)$(BENCH_XDP_BIN)

bench-ntp: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/bench_ntp.sh

bench-dns: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/bench_dns.sh

# make install [DESTDIR=...] [PREFIX=/usr]: daemons, tools, man pages, the unit, the GeoIP data
PREFIX ?= /usr
install: all
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/var/lib/xpool \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)/lib/systemd/system $(DESTDIR)/etc/xpool
	$(Q)install -m 0755 $(NTPD_BIN) $(DNS_BIN) $(MON_BIN) $(CTL_BIN) $(DESTDIR)$(PREFIX)/sbin/
	$(Q)install -m 0755 $(PROBE_BIN) $(GUN_BIN) $(DESTDIR)$(PREFIX)/bin/
	$(Q)install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(Q)install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	$(Q)install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)install -m 0644 tools/systemd/xpool-ntpd.service $(DESTDIR)/lib/systemd/system/
	$(Q)if [ -f build/geoip/geo-whois-asn-country.mmdb ]; then install -m 0644 \
		build/geoip/geo-whois-asn-country.mmdb $(DESTDIR)/var/lib/xpool/; fi

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	$(Q)rm -rf build

-include $(shell find build -path build/peers -prune -o -name '*.d' -type f -print 2>/dev/null)
