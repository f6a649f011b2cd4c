# libFuzzer target for the network stack's receive path: frames from the
# wire (outside the VM) into lwIP, built for the host from build/deps/lwip
# with the kernel's lwipopts.h and hooks. lwIP is C: its files are compiled
# with clang here and linked into the target.
FUZZ_TARGETS += net_frame
NET_FRAME_LWIP_OBJS := $(patsubst %,$(BUILD)/fuzz-obj/lwip/%.o,$(LWIP_FILES))
NET_FRAME_INC := -Ilibunikraft/net/lwip -I$(LWIP_DIR)/src/include
net_frame_FUZZ_SRCS := tests/fuzz/net_frame_fuzz.cc libunikraft/net/lwip/hooks.cc \
	$(NET_FRAME_LWIP_OBJS)
$(BUILD)/fuzz/net_frame: FUZZ_CXXFLAGS += $(NET_FRAME_INC)
$(BUILD)/fuzz-obj/lwip/%.c.o: $(LWIP_DIR)/src/%.c \
		$(wildcard libunikraft/net/lwip/*.h libunikraft/net/lwip/arch/*.h) | $(lwip_stamp)
	@mkdir -p $(@D)
	clang -std=gnu11 -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(NET_FRAME_INC) \
		-Wno-address -c $< -o $@
