# ukrun, the QEMU launcher. Included by the top Makefile.

HOST_PROGRAMS += ukrun
ukrun_SRCS := kraftld/ukrun_main.cc kraftld/ukrun_args.cc kraftld/ukrun_outcome.cc \
	kraftld/ukrun_image.cc kraftld/ukrun_initrd.cc kraftld/qemu_cmdline.cc kraftld/qemu_process.cc \
	kraftld/kvm_probe.cc kraftld/kvm_probe_cache.cc kraftld/kvm_probe_blob.S \
	kraftld/ukrun_share.cc kraftld/ukrun_net.cc kraftld/console_relay.cc libunikraft/drivers/console_input.cc

# The KVM probe guest, a tiny PVH kernel that ukrun embeds (.incbin) and
# boots under KVM to learn whether a guest really runs there.
KVM_PROBE_LD ?= ld
KVM_PROBE_IMAGE := $(BUILD)/host/kraftld/kvm_probe.elf

$(BUILD)/host/kraftld/kvm_probe_guest.o: kraftld/kvm_probe_guest.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) -c $< -o $@

$(KVM_PROBE_IMAGE): $(BUILD)/host/kraftld/kvm_probe_guest.o kraftld/kvm_probe_guest.ld
	@echo "  LD      $@"
	$(Q)$(KVM_PROBE_LD) -T kraftld/kvm_probe_guest.ld -o $@ $<

$(BUILD)/host/kraftld/kvm_probe_blob.S.o: kraftld/kvm_probe_blob.S $(KVM_PROBE_IMAGE)
	@mkdir -p $(@D)
	@echo "  HOSTAS  $<"
	$(Q)$(HOSTCXX) -x assembler-with-cpp -DKVM_PROBE_IMAGE='"$(KVM_PROBE_IMAGE)"' -c $< -o $@
