# Existing programs built by their own build systems from Debian's source
# packages, kraftld linking them (apps/*/build.sh), into $(BUILD)/apps/:
#   make apps         lua and luac, sqlite3, find and xargs, redis-server, nginx
#   make app-nginx    nginx and its root file system, nginx.root/
#   make app-python3  CPython 3.11 and its root directory, python3.root/ (not
#                     part of make apps: it takes longer to build than all
#                     of those together); make check-apps builds and tests it
#   make check-apps   their longer test suites (tests/apps-check.sh)
# A recipe runs again when its script or the kernel, libc, kraftld or kraftcc
# changed; it then rebuilds nothing already built but links the program
# again. The recipes run one after another (each is make -j$(APPS_JOBS)).

APPS_JOBS ?= 2
APPS_LINK_INPUTS := apps/lib.sh tools/apt-source.sh $(BUILD)/lib/libunikraft.a \
	$(BUILD)/lib/unikraft.ld $(RUNTIME_LIBS) $(BUILD)/bin/kraftld $(BUILD)/lib/unikraft/kraftcc
APPS_OUT := $(BUILD)/apps/lua $(BUILD)/apps/sqlite3 $(BUILD)/apps/find $(BUILD)/apps/redis-server \
	$(BUILD)/apps/nginx
apps_recipe = env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS BUILD=$(BUILD) DEPS=$(DEPS) \
	JOBS=$(APPS_JOBS) bash $(1)

$(BUILD)/apps/lua: apps/lua/build.sh $(APPS_LINK_INPUTS)
	$(call apps_recipe,$<)
$(BUILD)/apps/sqlite3: apps/sqlite3/build.sh $(APPS_LINK_INPUTS) | $(BUILD)/apps/lua
	$(call apps_recipe,$<)
$(BUILD)/apps/find: apps/findutils/build.sh $(APPS_LINK_INPUTS) | $(BUILD)/apps/sqlite3
	$(call apps_recipe,$<)
$(BUILD)/apps/redis-server: apps/redis/build.sh $(APPS_LINK_INPUTS) | $(BUILD)/apps/find
	$(call apps_recipe,$<)
# After the others when they are built too; `make app-nginx` builds nginx alone.
$(BUILD)/apps/nginx: apps/nginx/build.sh $(APPS_LINK_INPUTS) \
		$(if $(filter-out app-nginx,$(MAKECMDGOALS)),| $(BUILD)/apps/redis-server)
	$(call apps_recipe,$<)

app-nginx: $(BUILD)/apps/nginx

# After the others when they are built too; `make app-python3` builds it alone.
$(BUILD)/apps/python3: apps/python3/build.sh $(APPS_LINK_INPUTS) \
		$(if $(filter-out app-python3,$(MAKECMDGOALS)),| $(BUILD)/apps/nginx)
	$(call apps_recipe,$<)

apps: $(APPS_OUT)

app-python3: $(BUILD)/apps/python3

check-apps: apps app-python3
	@BUILD=$(BUILD) DEPS=$(DEPS) JOBS=$(APPS_JOBS) bash tests/apps-check.sh

.PHONY: apps check-apps app-nginx app-python3
