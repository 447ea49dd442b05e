# sprout - build, test, sanitize, benchmark, fuzz.
#   make            build build/sprout and build/libsprout.a
#   make test       build and run every unit and CLI test
#   make test-slurm a real Slurm cluster on this host (munged, slurmctld, two
#                   slurmd; tests/slurm/run.sh, as root): sprout slurm and
#                   the sharded run on it
#   make asan       the same tests under AddressSanitizer + UBSan
#   make asan-quick what CI runs of them: the unit tests, chosen CLI cases
#                   and every fuzz seed once (tests/asan-quick.sh), under
#                   ASan + UBSan
#   make bench      benchmarks in bench/ (not part of the tests)
#   make fuzz       each fuzz target (fuzz/fuzz_*.c: readers, records, gzip,
#                   recipes, PII, field maps, model answers' envelopes and
#                   contents, the review API's bodies, WordNet files, the
#                   meaning engine, templates, batch files, rate-limit
#                   headers, price files) for FUZZ_SECONDS (default 60);
#                   FUZZ_TARGETS="pii map" for some (clang, libFuzzer)
#   make fuzz-replay every seed in fuzz/corpus-*/ once through its target
#   make deps       install the Debian packages (scripts/install-deps.sh)
#   make format     apply .clang-format; make format-check fails on a file it would change
#   make install    the binary, libsprout (shared and static), the public
#                   headers and sprout.pc under PREFIX (default /usr/local;
#                   DESTDIR for staging)

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-missing-field-initializers
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE $(WARN) $(OPT) $(SAN) -Iinclude -MMD -MP
LDLIBS  := -lyaml -lsqlite3 -lnettle -lpcre2-8 -lutf8proc -lz -lxxhash -lm -lpthread
LDFLAGS += $(SAN)
FUZZ_SECONDS ?= 60
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION    := $(shell sed -n 's/^\#define SPROUT_VERSION "\(.*\)"/\1/p' include/sprout/sprout.h)
SOMAJOR    := 0
SONAME     := libsprout.so.$(SOMAJOR)
SHLIB      := $(BUILD)/libsprout.so.$(VERSION)
# The public API (installed; sprout.h includes them all). The other headers
# are internal: their functions are hidden from libsprout.so and made local
# in the installed libsprout.a (scripts/exports.sh, docs/internals/library.md).
PUBLIC_H := $(addprefix include/sprout/,sprout.h error.h arena.h buf.h json.h record.h io.h \
            meta.h stats.h augment.h wordnet.h similarity.h lm.h meaning.h filter.h dedup.h \
            pii.h template.h cost.h llm.h batch.h generate.h judge.h mix.h report.h review.h \
            stage.h run.h flag.h files.h probe.h loop.h slurm.h)

LIB_SRC  := $(wildcard src/lib/*/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
PROMPTS  := $(sort $(wildcard prompts/*.txt))
GEN_SRC  := $(BUILD)/gen/prompts.c
WEB      := $(sort $(wildcard web/*.html web/*.css web/*.js))
WEB_SRC  := $(BUILD)/gen/web.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:.c=.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o) $(WEB_SRC:.c=.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test test-slurm asan asan-quick bench fuzz fuzz-replay deps clean format format-check install uninstall
all: $(BUILD)/sprout $(SHLIB) $(BUILD)/libsprout-public.a

# Objects depend on the flags they were built with: a change of compiler or
# flags (say -fPIC, or OPT) rebuilds them instead of linking stale ones.
FLAGS_STAMP := $(BUILD)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The library's objects serve the static and the shared library alike:
# position independent, and calls inside it are not interposable (so the
# compiler still inlines across functions as it would without -fPIC).
$(LIB_OBJ): CFLAGS += -fPIC -fno-semantic-interposition -Isrc/lib

# libsphinxbase's headers (the library itself is loaded with dlopen)
SPHINX_CFLAGS := $(shell pkg-config --cflags-only-I sphinxbase 2>/dev/null | tr ' ' '\n' | grep -v '/sphinxbase$$' | tr '\n' ' ')
$(BUILD)/src/lib/services/lm.o: CFLAGS += $(SPHINX_CFLAGS)

# The built-in prompt templates, compiled in byte for byte. The folder is a
# prerequisite too, so adding or removing a prompt also regenerates.
$(GEN_SRC): $(PROMPTS) prompts scripts/embed-prompts.sh scripts/c-literal.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-prompts.sh $(PROMPTS) > $@.tmp && mv $@.tmp $@

$(GEN_SRC:.c=.o): $(GEN_SRC) $(FLAGS_STAMP)
	$(CC) $(CFLAGS) -c $< -o $@

# The review app's page, script and style, compiled into the sprout binary.
$(WEB_SRC): $(WEB) $(wildcard web) scripts/embed-web.sh scripts/c-literal.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-web.sh $(WEB) > $@.tmp && mv $@.tmp $@

$(WEB_SRC:.c=.o): $(WEB_SRC) $(FLAGS_STAMP)
	$(CC) $(CFLAGS) -Isrc/cli -c $< -o $@

$(BUILD)/libsprout.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# What libsprout exports: the functions the public headers declare.
$(BUILD)/exports.txt: $(PUBLIC_H) scripts/exports.sh
	@mkdir -p $(dir $@)
	sh scripts/exports.sh "$(CC)" include $(PUBLIC_H) > $@.tmp && mv $@.tmp $@

$(BUILD)/sprout.map: $(BUILD)/exports.txt
	{ echo '{ global:'; sed 's/.*/  &;/' $<; echo 'local: *; };'; } > $@.tmp && mv $@.tmp $@

$(SHLIB): $(LIB_OBJ) $(BUILD)/sprout.map
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script,$(BUILD)/sprout.map \
	  -Wl,-z,defs $(LIB_OBJ) $(LDLIBS) -o $@
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libsprout.so

# The static library to install: one relocatable object in which only the
# public functions stay global, so a program linking it cannot clash with
# (or call) the internals. build/libsprout.a keeps them for the CLI and the
# unit tests.
$(BUILD)/libsprout-public.a: $(LIB_OBJ) $(BUILD)/exports.txt
	$(LD) -r $(LIB_OBJ) -o $(BUILD)/libsprout-public.o
	objcopy --keep-global-symbols=$(BUILD)/exports.txt $(BUILD)/libsprout-public.o
	rm -f $@ && $(AR) rcs $@ $(BUILD)/libsprout-public.o

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/sprout
	install -m 755 $(BUILD)/sprout $(DESTDIR)$(BINDIR)/sprout
	install -m 644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/sprout/
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsprout.so
	install -m 644 $(BUILD)/libsprout-public.a $(DESTDIR)$(LIBDIR)/libsprout.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(LDLIBS)|' sprout.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sprout.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sprout $(DESTDIR)$(LIBDIR)/libsprout.so* $(DESTDIR)$(LIBDIR)/libsprout.a \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/sprout.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/sprout

$(BUILD)/sprout: $(CLI_OBJ) $(BUILD)/libsprout.a
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(BUILD)/libsprout.a $(LDLIBS) -o $@

$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/libsprout.a
	$(CC) $(LDFLAGS) $(UNIT_OBJ) $(BUILD)/libsprout.a $(LDLIBS) -o $@

test: all $(BUILD)/unit
	@SPROUT_SAN="$(SAN)" tests/run.sh $(BUILD)

test-slurm: $(BUILD)/sprout
	@tests/slurm/run.sh $(BUILD)

# (GCC's -fsanitize=undefined leaves out float-cast-overflow: a double cast
# to an integer it does not fit, asked for by name)
ASAN_FLAGS := BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
asan:
	$(MAKE) $(ASAN_FLAGS) test

# CI's sanitizer step: the unit tests, the CLI cases chosen in
# tests/asan-quick.sh and every fuzz seed once (the targets linked with
# fuzz/replay.c and this build, not libFuzzer), all under ASan+UBSan
asan-quick:
	$(MAKE) $(ASAN_FLAGS) build-asan/sprout build-asan/unit \
	  $(FUZZ_TARGETS:%=build-asan/fuzz/fuzz_%)
	@tests/asan-quick.sh build-asan

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.c fuzz/replay.c fuzz/fuzz.h $(BUILD)/libsprout.a
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Isrc/lib $(SPHINX_CFLAGS) $< fuzz/fuzz.c fuzz/replay.c \
	  $(BUILD)/libsprout.a \
	  $(LDFLAGS) $(LDLIBS) -o $@

bench: $(BUILD)/sprout
	@bench/run.sh $(BUILD)
	@bench/augment.sh $(BUILD)
	@bench/filter.sh $(BUILD)
	@bench/llm.sh $(BUILD)

# The fuzz targets: fuzz/fuzz_NAME.c, seeds in fuzz/corpus-NAME, inputs up
# to FUZZ_LEN_NAME bytes. The library is compiled once for all of them
# (build-fuzz/libsprout.a: clang, coverage for libFuzzer, ASan and UBSan).
FUZZ_TARGETS := jsonl array record gzip recipe run pii map envelope review wordnet answer meaning template batch ratelimit keys slurm
FUZZ_LEN_jsonl := 4096
FUZZ_LEN_array := 4096
FUZZ_LEN_record := 4096
FUZZ_LEN_gzip := 4096
FUZZ_LEN_recipe := 4096
FUZZ_LEN_run := 4096
FUZZ_LEN_pii := 2048
FUZZ_LEN_map := 1024
FUZZ_LEN_envelope := 4096
FUZZ_LEN_review := 4096
FUZZ_LEN_wordnet := 16384
FUZZ_LEN_answer := 4096
FUZZ_LEN_meaning := 2048
FUZZ_LEN_template := 1024
FUZZ_LEN_batch := 4096
FUZZ_LEN_ratelimit := 1024
FUZZ_LEN_keys := 4096
FUZZ_LEN_slurm := 2048
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Iinclude -Isrc/lib $(SPHINX_CFLAGS)
FUZZ_LIB_OBJ := $(patsubst %.c,build-fuzz/obj/%.o,$(LIB_SRC) $(GEN_SRC))
FUZZ_BIN := $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build-fuzz/libsprout.a: $(FUZZ_LIB_OBJ)
	@rm -f $@ && $(AR) rcs $@ $^ && echo "AR $@"

build-fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.c fuzz/fuzz.h build-fuzz/libsprout.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $< fuzz/fuzz.c build-fuzz/libsprout.a \
	  $(LDLIBS) -o $@

# each target for FUZZ_SECONDS on build-fuzz/corpus-NAME (new inputs, kept)
# and fuzz/corpus-NAME (the seeds, only read); a failure stops at once
fuzz: $(FUZZ_BIN)
	@set -e; $(foreach t,$(FUZZ_TARGETS),mkdir -p build-fuzz/corpus-$(t); \
	  echo "fuzz: $(t) for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz_$(t) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_LEN_$(t)) \
	    -artifact_prefix=build-fuzz/$(t)- build-fuzz/corpus-$(t) fuzz/corpus-$(t);)

# every seed of every target run once (CI: a few seconds a target)
fuzz-replay: $(FUZZ_BIN)
	@set -e; $(foreach t,$(FUZZ_TARGETS),build-fuzz/fuzz_$(t) -runs=0 \
	    -artifact_prefix=build-fuzz/$(t)- fuzz/corpus-$(t) >build-fuzz/replay-$(t).log 2>&1 \
	  || { cat build-fuzz/replay-$(t).log; echo "fuzz-replay: $(t) failed"; exit 1; }; \
	  echo "fuzz-replay: $(t): $$(ls fuzz/corpus-$(t) | wc -l) seeds";)

-include $(FUZZ_LIB_OBJ:.o=.d)

deps:
	bash scripts/install-deps.sh

FORMATTED := $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(wildcard include/sprout/*.h src/lib/*/*.h src/cli/*.h)
format:
	clang-format -i $(FORMATTED)

# CI: fails when a file differs from what `make format` makes of it
format-check:
	@clang-format --dry-run --Werror $(FORMATTED)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
