# kraftld reads command lines, response files, object files and archives
# from outside; the kernel reads the .uk_symtab blob kraftld writes.
FUZZ_TARGETS += kraftld_args kraftld_elf kraftld_symtab
kraftld_args_FUZZ_SRCS := tests/fuzz/kraftld_args_fuzz.cc kraftld/link_args.cc
kraftld_elf_FUZZ_SRCS := tests/fuzz/kraftld_elf_fuzz.cc kraftld/elf_file.cc \
	libunikraft/lib/symtab.cc
kraftld_symtab_FUZZ_SRCS := tests/fuzz/kraftld_symtab_fuzz.cc libunikraft/lib/symtab.cc
