# kraftld's pure logic: argument handling, library search, recognising cargo's host
# artifacts, ELF reading/writing, the .uk_symtab format.
UNIT_SRCS += tests/unit/kraftld_args_test.cc tests/unit/kraftld_libsearch_test.cc \
	tests/unit/kraftld_cargo_test.cc \
	tests/unit/kraftld_elf_test.cc tests/unit/kraftld_symtab_test.cc kraftld/link_args.cc \
	kraftld/elf_file.cc libunikraft/lib/symtab.cc
