# ukrun --net: parsing and QEMU's virtio-net devices per machine.
UNIT_SRCS += tests/unit/ukrun_net_test.cc kraftld/ukrun_net.cc
