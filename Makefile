# FreeSpectra — build, test, demo, benchmark, validation.
# Every target installs the Debian packages it needs when they are missing.

SWIFT       ?= swift
APT_PKGS    := libgsl-dev libopenblas-dev liblapacke-dev libglpk-dev pkg-config
RELEASE     := -c release
# Tests run optimised (the numerics are 10–50× slower in debug) with testability on.
TEST_FLAGS  := -c release -Xswiftc -enable-testing
BIN          = $$($(SWIFT) build $(RELEASE) --show-bin-path)
OUT         ?= out

.PHONY: deps build demo test bench validate clean

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build $(RELEASE)

demo: build
	@mkdir -p $(OUT)
	@echo "== tanh on its critical line at q* = 0.2: Gaussian vs orthogonal weights, depth 4, 16, 64"
	$(BIN)/freespec jacobian --activation tanh --weights gaussian,orthogonal --depth 4,16,64 --q-star 0.2
	@echo "== ReLU at criticality (σ_w = √2, σ_b = 0)"
	$(BIN)/freespec jacobian --activation relu --weights gaussian,orthogonal --depth 4,16,64 --sigma-w 1.4142135623730951 --sigma-b 0
	@for w in orthogonal gaussian; do \
	  $(BIN)/freespec jacobian --activation tanh --weights $$w --depth 4,16,64 --q-star 0.2 --format csv --plot $(OUT)/demo-tanh-$$w.svg > /dev/null; \
	  $(BIN)/freespec jacobian --activation relu --weights $$w --depth 4,16,64 --sigma-w 1.4142135623730951 --format csv --plot $(OUT)/demo-relu-$$w.svg > /dev/null; \
	done
	@echo "plots: $(OUT)/demo-{tanh,relu}-{orthogonal,gaussian}.svg"

test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

bench: build
	$(BIN)/FreeSpectraBench

# The long runs: the full test matrix (smooth activations at L = 512 included), then the
# validation catalogue and literature reproductions, written to Docs/validation/REPORT.md.
validate: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	FREESPEC_FULL_TESTS=1 $(SWIFT) test $(TEST_FLAGS) --skip-build
	$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/freespec-validate --catalogue Validation/catalogue.json --out Docs/validation
	@# Woodworth et al. Figure 1 (issue 20): sparse regression d = 100, r = 5, test error against α.
	@for n in 20 40 60; do \
	  $$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/freespec implicit-bias --generate sparse --d 100 --n $$n --sparsity 5 --seed 1 \
	    --alpha log:1e-3:1e2:16 --depth 2,3 --format csv --plot-test-error Docs/validation/implicit-bias-test-error-N$$n.svg \
	    > Docs/validation/implicit-bias-N$$n.csv || exit 1; \
	done
	@echo "implicit-bias: Docs/validation/implicit-bias-test-error-N{20,40,60}.svg"
	@# Issue 22: seeded fuzz of every command (2 000 valid configurations and the malformed
	@# invocations, a time limit each); non-zero exit on any crash, hang, failed self-check,
	@# wrong or non-finite answer.
	python3 Validation/fuzz_cli.py --binary $$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/freespec --count 2000

clean:
	rm -rf .build $(OUT)
