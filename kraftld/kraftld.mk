# kraftld, the linker wrapper: a static host program.
HOST_PROGRAMS += kraftld
kraftld_SRCS := kraftld/kraftld_main.cc kraftld/link_args.cc kraftld/elf_file.cc \
	libunikraft/lib/symtab.cc
