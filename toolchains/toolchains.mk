# CMake and Meson toolchain files, so that ordinary CMake and Meson projects
# build bootable images:
#   $(BUILD)/lib/cmake/unikraft/toolchain.cmake   finds the tree relative to itself
#   $(BUILD)/lib/cmake/unikraft/unikraft-rules.cmake  its rules override (static suffixes)
#   $(BUILD)/share/meson/cross/unikraft.ini       gcc and g++
#   $(BUILD)/share/meson/cross/unikraft-clang.ini clang and clang++
#   $(BUILD)/lib/unikraft/kraftcc                 the compiler Meson runs: links with kraftld
# A Meson cross file cannot locate itself (Meson 1.0 has no @DIRNAME@), so
# the .ini files name the tree by absolute path: the build tree's here, the
# prefix's when `make install` runs install-meson-cross after copying.

MESON_CROSS_VARIANTS := unikraft:gcc:g++ unikraft-clang:clang:clang++
meson_cross_name = $(word 1,$(subst :, ,$(1)))
meson_cross_file = $(1)/share/meson/cross/$(call meson_cross_name,$(2)).ini
# $(call meson_cross_gen,TREE,VARIANT,OUT): writes the cross file for VARIANT
# naming TREE.
meson_cross_gen = sed -e 's|@PREFIX@|$(1)|g' -e 's|@CC@|$(word 2,$(subst :, ,$(2)))|g' \
	-e 's|@CXX@|$(word 3,$(subst :, ,$(2)))|g' toolchains/unikraft.ini.in >$(3)

TOOLCHAIN_OUT := $(BUILD)/lib/cmake/unikraft/toolchain.cmake \
	$(BUILD)/lib/cmake/unikraft/unikraft-rules.cmake $(BUILD)/lib/unikraft/kraftcc \
	$(foreach v,$(MESON_CROSS_VARIANTS),$(call meson_cross_file,$(BUILD),$(v)))
EXTRA_OUT += $(TOOLCHAIN_OUT)

$(BUILD)/lib/cmake/unikraft/%.cmake: toolchains/%.cmake
	@mkdir -p $(@D)
	cp $< $@

$(BUILD)/lib/unikraft/kraftcc: toolchains/kraftcc
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@

define meson_cross_rule
$(call meson_cross_file,$(BUILD),$(1)): toolchains/unikraft.ini.in toolchains/toolchains.mk
	@mkdir -p $$(@D)
	$$(call meson_cross_gen,$(abspath $(BUILD)),$(1),$$@)
endef
$(foreach v,$(MESON_CROSS_VARIANTS),$(eval $(call meson_cross_rule,$(v))))

# Run by `make install` after it has copied $(BUILD)/share to $(PREFIX).
INSTALL_HOOKS += install-meson-cross
install-meson-cross:
	@mkdir -p $(PREFIX)/share/meson/cross
	$(foreach v,$(MESON_CROSS_VARIANTS),$(call meson_cross_gen,$(abspath $(PREFIX)),$(v),$(call meson_cross_file,$(PREFIX),$(v))) &&) true

.PHONY: install-meson-cross
