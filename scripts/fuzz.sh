#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of the readers of untrusted files:
#   scripts/fuzz.sh [SECONDS per target, default 60] [TARGET ...]
#   (targets: gguf safetensors tokenizer_json sentencepiece_model checkpoint_json tensorboard_events)
# Builds ModelFormats and Tokenization with coverage and ASan into .build/fuzz, then runs each target from its seed
# corpus (fuzz/corpus/TARGET, small real files) plus a work corpus kept in .build/fuzz. A crash is written to
# fuzz/crashes/TARGET/ (commit it: the regression tests replay every file there) and fails the script.
# Prints one line per target: executions, coverage and crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf safetensors tokenizer_json sentencepiece_model checkpoint_json tensorboard_events)
out=.build/fuzz
mkdir -p "$out"
flags=(-O -g -sanitize=fuzzer,address -parse-as-library -package-name Glassbox)
echo "fuzz: building the readers with coverage and AddressSanitizer" >&2
# The linker's notes about ASan's local symbols are noise: the build log is shown only when a step fails.
build() { "$@" > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }; }
build swiftc "${flags[@]}" -module-name ModelFormats -emit-module -emit-module-path "$out/ModelFormats.swiftmodule" \
  -emit-library -static Sources/ModelFormats/*.swift -o "$out/libModelFormats.a"
build swiftc "${flags[@]}" -module-name Tokenization -I "$out" -emit-module -emit-module-path "$out/Tokenization.swiftmodule" \
  -emit-library -static Sources/Tokenization/*.swift -o "$out/libTokenization.a"
libs=("$out/libTokenization.a" "$out/libModelFormats.a")
# The checkpoint reader (trainer_state.json, vocab.json, config.json) lives in Training, over the engine: build the
# C kernels (and Training's MPI shim) and TensorCore, NeuralNet, Models and Training the same way when that target is
# asked for.
if [[ " ${targets[*]} " == *" checkpoint_json "* ]]; then
  for c in CBLAS CQuantKernels CMPI; do
    mkdir -p "$out/$c"
    header=$(ls "$PWD/Sources/$c/include/"*.h)
    printf 'module %s {\n  header "%s"\n  export *\n}\n' "$c" "$header" > "$out/$c/module.modulemap"
    for f in Sources/$c/*.c; do
      build clang -O2 -g -fsanitize=address,fuzzer-no-link -mavx2 -mfma -mf16c -ffp-contract=off -I "Sources/$c/include" \
        -c "$f" -o "$out/$c-$(basename "$f" .c).o"
    done
  done
  for m in TensorCore NeuralNet Models Training; do
    build swiftc "${flags[@]}" -module-name "$m" -I "$out" -I "$out/CBLAS" -I "$out/CQuantKernels" -I "$out/CMPI" -emit-module \
      -emit-module-path "$out/$m.swiftmodule" -emit-library -static $(find "Sources/$m" -name '*.swift') -o "$out/lib$m.a"
  done
  engine=("$out/libTraining.a" "$out/libModels.a" "$out/libNeuralNet.a" "$out/libTensorCore.a" "$out"/CBLAS-*.o "$out"/CQuantKernels-*.o
          "$out"/CMPI-*.o -ldl)
fi
status=0
for t in "${targets[@]}"; do
  extra=()
  [ "$t" = checkpoint_json ] && extra=(-I "$out/CBLAS" -I "$out/CQuantKernels" -I "$out/CMPI" "${engine[@]}")
  if [ "$t" = tensorboard_events ]; then
    # The event-file reader stands alone in one file: compiled with the target, no library.
    build swiftc "${flags[@]}" "fuzz/targets/$t.swift" Sources/RunStore/TensorBoard.swift -o "$out/fuzz-$t"
  else
    build swiftc "${flags[@]}" -I "$out" "fuzz/targets/$t.swift" "${extra[@]}" "${libs[@]}" -o "$out/fuzz-$t"
  fi
  mkdir -p "$out/corpus-$t" "fuzz/crashes/$t"
  log="$out/fuzz-$t.log"
  if "$out/fuzz-$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="fuzz/crashes/$t/" "$out/corpus-$t" "fuzz/corpus/$t" > "$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see $log and fuzz/crashes/$t/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  echo "fuzz $t: $runs executions in ${seconds}s, coverage $cov edges, $result"
done
exit $status
