/* Embeds the KVM probe guest (built by kraftld/ukrun.mk) in ukrun. */
	.section .rodata.ukrun_kvm_probe, "a"
	.globl ukrun_kvm_probe_start, ukrun_kvm_probe_end
	.balign 16
ukrun_kvm_probe_start:
	.incbin KVM_PROBE_IMAGE
ukrun_kvm_probe_end:
	.section .note.GNU-stack, "", @progbits
