# ukrun --share: parsing, the guest's vfs.fstab entries and QEMU's virtio-9p
# devices.
UNIT_SRCS += tests/unit/ukrun_share_test.cc kraftld/ukrun_share.cc
