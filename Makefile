# libunikraft: the one entry point.
#
#   make              build everything into $(BUILD)/
#   make run          build, then boot examples-c/hello
#   make test         build, then run every test (host unit tests, guest tests)
#   make apps         build Lua, SQLite and find from Debian's sources (apps/)
#   make check-apps   the longer test suites of those programs
#   make bench        boot/link/size measurements, as ratios against baselines
#   make install PREFIX=DIR
#   make image UK_LDFLAGS="app.o -lfoo" UK_LDEPS="app.o" IMAGE=app
#
# The kernel builds with GCC (default) or Clang: make CC=clang CXX=clang++.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/bash

TOP    := $(abspath .)
BUILD  ?= build
DEPS   ?= build/deps
# musl is built once (with gcc) and shared by every kernel build.
MUSL   ?= build/musl
PREFIX ?= /usr/local

ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif
HOSTCXX ?= $(CXX)
# V=1 shows every command.
Q := $(if $(V),,@)
LD_R    ?= ld
OBJCOPY ?= objcopy
AR      ?= ar

deps_stamp := $(DEPS)/musl/.unpacked
musl_lib   := $(MUSL)/root/lib/libc.a

# ---------------------------------------------------------------- the kernel

KERNEL_DIRS := arch/x86_64 boot mm sched posix vfs drivers net net/lwip libc lib
KERNEL_SRCS := $(sort $(foreach d,$(KERNEL_DIRS),$(wildcard libunikraft/$(d)/*.cc libunikraft/$(d)/*.S)))
KERNEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_SRCS))

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
KERNEL_OPT ?= -O2
# Copies and fills that take more than a few moves call memcpy and memset
# (arch/x86_64/string.S) instead of inlining rep movs/stos, which QEMU's TCG
# runs an element at a time. A gcc option; clang has no such option and
# does not inline those at all.
KERNEL_STRINGOPS := $(shell $(CC) -mstringop-strategy=libcall -x c -fsyntax-only /dev/null 2>/dev/null && \
	$(CXX) -mstringop-strategy=libcall -x c++ -fsyntax-only /dev/null 2>/dev/null && \
	echo -mstringop-strategy=libcall)
KERNEL_COMMON := -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -fno-omit-frame-pointer -ffunction-sections -fdata-sections \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -fno-unwind-tables \
	$(KERNEL_STRINGOPS) $(KERNEL_OPT) -g $(WARN) -Iinclude -Ilibunikraft
KERNEL_CXXFLAGS := -std=c++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit $(KERNEL_COMMON)
# The kernel proper never touches FP/SIMD registers, so interrupt entry need
# not save them. libc/ glue runs in the app's context and forwards varargs
# (doubles travel in SSE registers), so it keeps SSE and sees musl's headers.
KERNEL_NOSIMD := -mgeneral-regs-only
LIBC_GLUE_FLAGS := -isystem $(MUSL)/root/include

$(BUILD)/obj/libunikraft/libc/%.cc.o: libunikraft/libc/%.cc $(musl_lib)
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(KERNEL_CXXFLAGS) $(LIBC_GLUE_FLAGS) -MMD -MP -c $< -o $@

# Code off the hot paths (boot, parsing, the rarer system calls, address-space
# bookkeeping) is compiled for size: it is most of the kernel and little of
# its time. System-call entry, scheduling, faults, signals, clocks, futexes
# and the per-packet and per-request driver code keep KERNEL_OPT.
KERNEL_COLD_OPT ?= -Os
KERNEL_HOT_DRIVERS := libunikraft/drivers/virtio.cc libunikraft/drivers/virtqueue.cc \
	libunikraft/drivers/virtio_net.cc
KERNEL_COLD_SRCS := $(wildcard libunikraft/boot/*.cc libunikraft/lib/*.cc) \
	$(filter-out $(KERNEL_HOT_DRIVERS),$(wildcard libunikraft/drivers/*.cc)) \
	libunikraft/mm/vmspace.cc libunikraft/posix/process.cc libunikraft/posix/timer.cc \
	libunikraft/posix/mem.cc libunikraft/posix/random.cc libunikraft/posix/io.cc \
	libunikraft/posix/signal.cc libunikraft/sched/timers.cc libunikraft/arch/x86_64/cpu.cc
KERNEL_COLD_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_COLD_SRCS))
$(KERNEL_COLD_OBJS): KERNEL_CXXFLAGS += $(KERNEL_COLD_OPT)

$(BUILD)/obj/libunikraft/%.cc.o: libunikraft/%.cc
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(KERNEL_CXXFLAGS) $(KERNEL_NOSIMD) -MMD -MP -c $< -o $@

$(BUILD)/obj/libunikraft/%.S.o: libunikraft/%.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_COMMON) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# lwIP, from Debian's source package (unpacked into $(DEPS)/lwip like
# musl), is part of the kernel proper: C, with the kernel's flags and no
# FP/SIMD registers. Only the core, IPv4, IPv6, TCP, UDP, the loopback
# interface and what ethernet, ARP, neighbour discovery and DHCP need.
LWIP_DIR := $(DEPS)/lwip
lwip_stamp := $(LWIP_DIR)/.unpacked
LWIP_FILES := core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c core/dns.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
	core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c core/ipv6/ethip6.c \
	core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c core/ipv6/ip6_addr.c \
	core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c netif/ethernet.c
LWIP_OBJS := $(patsubst %,$(BUILD)/obj/lwip/%.o,$(LWIP_FILES))
LWIP_INC := -Ilibunikraft/net/lwip -I$(LWIP_DIR)/src/include
# lwIP is Debian's code, not ours: its warnings (which differ between gcc and
# clang) are shown, not errors.
LWIP_CFLAGS := -std=gnu11 $(KERNEL_COMMON) $(KERNEL_NOSIMD) $(LWIP_INC) -Wno-address -Wno-error
KERNEL_OBJS += $(LWIP_OBJS)

# deps.sh unpacks it too; apt must not run twice at once under make -j.
$(lwip_stamp): | $(deps_stamp)
	bash tools/apt-source.sh lwip $(LWIP_DIR)

# The sources appear when the package is unpacked; their own dates say
# nothing about the build. They are kept, not deleted as intermediates.
$(LWIP_DIR)/src/%.c: | $(lwip_stamp) ;
.PRECIOUS: $(LWIP_DIR)/src/%.c

$(BUILD)/obj/lwip/%.c.o: $(LWIP_DIR)/src/%.c $(wildcard libunikraft/net/lwip/*.h libunikraft/net/lwip/arch/*.h)
	@mkdir -p $(@D)
	@echo "  CC      lwip/$*.c"
	$(Q)$(CC) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@

# The kernel's network code sees lwIP's headers.
$(filter $(BUILD)/obj/libunikraft/net/%,$(KERNEL_OBJS)): KERNEL_CXXFLAGS += $(LWIP_INC)
$(filter $(BUILD)/obj/libunikraft/net/%,$(KERNEL_OBJS)): | $(lwip_stamp)

# The whole kernel is one relocatable object: one archive member, pulled in
# as a whole (its registration tables cannot be lost to archive member
# selection), with every symbol not marked UK_API made local so nothing
# inside can clash with the app's own libstdc++ or Rust runtime. The kernel
# proper has its sections renamed .kernel.* so that unikraft.ld places them
# apart from the app's; the libc glue runs as part of the app and keeps its
# section names.
LIBC_GLUE_OBJS := $(filter $(BUILD)/obj/libunikraft/libc/%,$(KERNEL_OBJS))
KERNEL_PROPER_OBJS := $(filter-out $(LIBC_GLUE_OBJS),$(KERNEL_OBJS))
# Code and data keep one section each, also where two files have functions
# or objects of the same name (each file's `probe`): merged, one would keep
# the other alive through --gc-sections. The registration tables (.uk_*)
# merge, so that one reference keeps a whole table (uk_net_root).
LD_R_UNIQUE := $(foreach s,text rodata data bss,--unique=.$(s).* --unique=.kernel.$(s).*)
$(BUILD)/obj/unikraft.o: $(KERNEL_OBJS)
	@mkdir -p $(@D)
	$(LD_R) -r $(LD_R_UNIQUE) -o $@.kernel $(KERNEL_PROPER_OBJS)
	$(OBJCOPY) --prefix-alloc-sections=.kernel $@.kernel
	$(LD_R) -r $(LD_R_UNIQUE) -o $@.tmp $@.kernel $(LIBC_GLUE_OBJS)
	rm -f $@.kernel
	$(OBJCOPY) --localize-hidden $@.tmp
	@if readelf -SW $@.tmp | grep -qE '\.(init_array|fini_array|ctors|dtors|tdata|tbss|eh_frame)'; then \
		echo "libunikraft: the kernel must not have static constructors, TLS or unwind tables" >&2; exit 1; fi
	mv $@.tmp $@

$(BUILD)/lib/libunikraft.a: $(BUILD)/obj/unikraft.o
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcsD $@ $<

$(BUILD)/lib/unikraft.ld: linker/unikraft.ld
	@mkdir -p $(@D)
	cp $< $@

# The runtime libraries every image links against, copied next to
# libunikraft.a so that an installed tree needs nothing from this one. The
# directory is the image's library directory: unikraft.pc gives it with -L,
# so a -lm or -lpthread anywhere on a cc link line finds the image's, not
# glibc's. As in musl's own install, libm, libpthread, ... are empty: libc.a
# has all of them.
IMAGE_EMPTY_LIBS := m pthread rt dl util crypt resolv xnet
RUNTIME_LIBS := $(BUILD)/lib/unikraft/libc.a $(BUILD)/lib/unikraft/libgcc.a \
	$(BUILD)/lib/unikraft/libgcc_eh.a $(BUILD)/lib/unikraft/libstdc++.a \
	$(patsubst %,$(BUILD)/lib/unikraft/lib%.a,$(IMAGE_EMPTY_LIBS))
# The symbols in tools/musl-image-syms.txt are renamed: the kernel defines
# them (sysconf also answers glibc's names, which objects compiled against
# glibc's headers use) and calls musl's under the new name. memcpy, memmove
# and memset are the kernel's alone (arch/x86_64/string.S), and so are
# clock_gettime and gettimeofday (posix/time.cc).
$(BUILD)/lib/unikraft/libc.a: $(musl_lib) tools/musl-image-syms.txt
	@mkdir -p $(@D)
	objcopy --redefine-syms=tools/musl-image-syms.txt $< $@.tmp && \
		$(AR) d $@.tmp memcpy.o memmove.o memset.o clock_gettime.o gettimeofday.o && mv $@.tmp $@
$(patsubst %,$(BUILD)/lib/unikraft/lib%.a,$(IMAGE_EMPTY_LIBS)):
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rc $@
$(BUILD)/lib/unikraft/libgcc.a $(BUILD)/lib/unikraft/libgcc_eh.a $(BUILD)/lib/unikraft/libstdc++.a:
	@mkdir -p $(@D)
	cp "$$(gcc -print-file-name=$(@F))" $@

$(BUILD)/include/.stamp: $(musl_lib) $(wildcard include/uk/*.h)
	@mkdir -p $(@D)
	cp -a $(MUSL)/root/include/. $(BUILD)/include/
	mkdir -p $(BUILD)/include/uk && cp include/uk/*.h $(BUILD)/include/uk/
	touch $@

PKGCONFIG_OUT := $(BUILD)/lib/pkgconfig/unikraft.pc $(BUILD)/lib/pkgconfig/unikraft-c++.pc
$(BUILD)/lib/pkgconfig/%.pc: pkgconfig/%.pc.in
	@mkdir -p $(@D)
	cp $< $@

# ---------------------------------------------------------------- deps, musl

$(deps_stamp):
	bash tools/deps.sh $(DEPS)

deps: $(deps_stamp)

# musl calls the kernel's system calls directly by number: its header is
# generated from the kernel's UK_SYSCALL list and rewritten (forcing a musl
# rebuild) only when that list changes.
MUSL_SYSCALLS := $(MUSL).syscall_arch.h
$(MUSL_SYSCALLS): tools/gen-syscall-arch.sh FORCE
	@mkdir -p $(@D)
	@bash tools/gen-syscall-arch.sh >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(musl_lib): $(deps_stamp) tools/musl.sh $(wildcard libunikraft/libc/musl_*.c) $(MUSL_SYSCALLS)
	bash tools/musl.sh $(DEPS)/musl $(MUSL) $(MUSL_SYSCALLS)

FORCE:
.PHONY: FORCE

# ---------------------------------------------------------------- host tools

HOST_CXXFLAGS := -std=c++20 -O2 -g $(WARN) -Iinclude -Ilibunikraft -Ikraftld
HOST_LDFLAGS  := -static

$(BUILD)/host/%.cc.o: %.cc
	@mkdir -p $(@D)
	@echo "  HOSTCXX $<"
	$(Q)$(HOSTCXX) $(HOST_CXXFLAGS) -MMD -MP -c $< -o $@

# Fragments name their programs, unit tests and fuzz targets:
#   HOST_PROGRAMS += name          with name_SRCS := ...
#   UNIT_SRCS     += files         (test files and the pure sources they test)
#   FUZZ_TARGETS  += name          with name_FUZZ_SRCS := ...
#   EXTRA_OUT     += files         (more outputs `make all` builds, e.g. toolchain files)
#   INSTALL_HOOKS += targets       (run after `make install` copied the tree)
HOST_PROGRAMS :=
UNIT_SRCS     :=
FUZZ_TARGETS  :=
EXTRA_OUT     :=
include $(sort $(wildcard kraftld/*.mk tests/unit/*.mk tests/fuzz/*.mk toolchains/*.mk apps/*.mk))

define host_program
$(BUILD)/bin/$(1): $$(patsubst %,$$(BUILD)/host/%.o,$$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(HOSTCXX) $$(HOST_LDFLAGS) -o $$@ $$^
endef
$(foreach p,$(HOST_PROGRAMS),$(eval $(call host_program,$(p))))

UNIT_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(sort $(UNIT_SRCS)))
$(BUILD)/tests/unit_tests: $(UNIT_OBJS)
	@mkdir -p $(@D)
	$(HOSTCXX) -o $@ $^ -lgtest_main -lgtest -pthread

FUZZ_CXXFLAGS := -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilibunikraft -Ikraftld -Itests/unit
define fuzz_target
$(BUILD)/fuzz/$(1): $$($(1)_FUZZ_SRCS)
	@mkdir -p $$(@D)
	clang++ $$(FUZZ_CXXFLAGS) -o $$@ $$^
endef
$(foreach f,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(f))))

# ---------------------------------------------------------------- top level

KERNEL_OUT := $(BUILD)/lib/libunikraft.a $(BUILD)/lib/unikraft.ld $(RUNTIME_LIBS) \
	$(BUILD)/include/.stamp $(PKGCONFIG_OUT)
TOOLS_OUT  := $(patsubst %,$(BUILD)/bin/%,$(HOST_PROGRAMS))

all: $(KERNEL_OUT) $(TOOLS_OUT) $(EXTRA_OUT)
kernel: $(KERNEL_OUT)
tools: $(TOOLS_OUT)
unit: $(BUILD)/tests/unit_tests
fuzz-build: $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_TARGETS))

# Packages (compilers, GoogleTest, QEMU) are installed before anything builds.
$(KERNEL_OBJS) $(UNIT_OBJS): | $(deps_stamp)

EXAMPLE_HELLO := $(BUILD)/examples/hello
$(BUILD)/examples/hello.o: examples-c/hello/hello.c
	@mkdir -p $(@D)
	gcc -O2 -c $< -o $@
$(EXAMPLE_HELLO): $(BUILD)/examples/hello.o $(KERNEL_OUT) $(TOOLS_OUT)
	$(BUILD)/bin/kraftld -o $@ $<

# The epoll HTTP server (examples-c/httpd), built as a user builds it: plain
# gcc, then kraftld. `make httpd` builds just this image.
EXAMPLE_HTTPD := $(BUILD)/examples/httpd
$(BUILD)/examples/httpd.o: examples-c/httpd/httpd.c
	@mkdir -p $(@D)
	gcc -O2 -c $< -o $@
$(EXAMPLE_HTTPD): $(BUILD)/examples/httpd.o $(KERNEL_OUT) $(TOOLS_OUT)
	$(BUILD)/bin/kraftld -o $@ $<
httpd: $(EXAMPLE_HTTPD)
all: $(EXAMPLE_HTTPD)

run: $(EXAMPLE_HELLO)
	$(BUILD)/bin/ukrun $(EXAMPLE_HELLO) one two

test: all $(BUILD)/tests/unit_tests fuzz-build apps
	@BUILD=$(BUILD) bash tests/run.sh

bench: all $(EXAMPLE_HELLO)
	@BUILD=$(BUILD) bash bench/run.sh

# Unikraft-style linking of external objects: relinks whenever a UK_LDEPS
# file changes.
IMAGE ?= $(BUILD)/image
image: $(IMAGE)
$(IMAGE): $(UK_LDEPS) $(KERNEL_OUT) $(BUILD)/bin/kraftld
	$(BUILD)/bin/kraftld -o $@ $(UK_LDFLAGS)
.PHONY: image

install: all
	mkdir -p $(PREFIX)
	cp -a $(BUILD)/bin $(BUILD)/lib $(PREFIX)/
	mkdir -p $(PREFIX)/include && cp -a $(BUILD)/include/. $(PREFIX)/include/ && rm -f $(PREFIX)/include/.stamp
	if [ -d $(BUILD)/share ]; then cp -a $(BUILD)/share $(PREFIX)/; fi
	$(if $(INSTALL_HOOKS),$(MAKE) --no-print-directory BUILD=$(BUILD) PREFIX=$(PREFIX) $(INSTALL_HOOKS))

format:
	clang-format -i $$(git ls-files '*.cc' '*.h' | grep -v '^libunikraft/libc/musl/')

lint:
	@clang-format --dry-run -Werror $$(git ls-files '*.cc' '*.h' | grep -v '^libunikraft/libc/musl/')

clean:
	rm -rf $(BUILD)/obj $(BUILD)/host $(BUILD)/lib $(BUILD)/bin $(BUILD)/include $(BUILD)/share \
		$(BUILD)/tests $(BUILD)/examples

distclean:
	rm -rf build

.PHONY: all kernel tools unit fuzz-build run httpd test bench install format lint clean distclean deps

-include $(shell find $(BUILD)/obj $(BUILD)/host -name '*.d' 2>/dev/null)
