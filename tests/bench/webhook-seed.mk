# Builds tests/bench/webhook-seed, the helper of tests/bench/bench-webhook,
# in a configured build tree with that tree's compiler flags and libraries
# (not part of Makefile.am: only the benchmark needs it):
#   make -C BUILDDIR -f Makefile -f SRCDIR/tests/bench/webhook-seed.mk bench-webhook-seed
WEBHOOK_SEED_SRC = $(top_srcdir)/tests/bench/webhook_seed.c

tests/bench/webhook-seed$(EXEEXT): $(WEBHOOK_SEED_SRC) $(APP_LIBS)
	@$(MKDIR_P) tests/bench
	$(AM_V_CCLD)$(COMPILE) $(AM_LDFLAGS) $(LDFLAGS) -o $@ $(WEBHOOK_SEED_SRC) \
	    $(APP_LIBS) $(EXT_LIBS) $(LIBS)

bench-webhook-seed: tests/bench/webhook-seed$(EXEEXT)
.PHONY: bench-webhook-seed
