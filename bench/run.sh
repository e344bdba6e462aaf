#!/usr/bin/env bash
# Neural benchmarks on a corpus (default: a Newtonsoft.Json checkout): training tokens/s of LSTM and GRU in
# TorchSharp (completion-lsp-bench neural train-speed) and in PyTorch (bench/pytorch_lm.py, Debian's python3-torch), alternating so that both
# see the same machine load, then incremental inference latency of a trained model file.
#   bench/run.sh [corpus] [model-file] [seconds] [threads]
# Needs: apt-get install -y python3-torch libopenblas0-openmp   (only for the PyTorch side)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=${1:-/work/corpora/newtonsoft}
model=${2:-}
seconds=${3:-120}
threads=${4:-1}
# Debian's python3-torch lives in the system Python (not a pyenv or venv one).
py=${PYTHON:-/usr/bin/python3}
out=${BENCH_OUT:-/tmp/completion-lsp-bench}
mkdir -p "$out"
# The bench project references the CLI: one build makes both.
dotnet build "$root/src/CompletionLsp.Bench" -c Release -v q -nologo >/dev/null
bench="$root/src/CompletionLsp.Bench/bin/Release/net10.0/completion-lsp-bench"
cli="$root/src/CompletionLsp.Cli/bin/Release/net10.0/completion-lsp"
if [ -z "$model" ]; then
  model="$out/ngram.model"
  "$cli" train "$corpus" --out "$model" >/dev/null
fi
# The tokens as the model sees them, without the validation files (as neural train-speed trains).
"$cli" dump-tokens "$corpus" --model "$model" --split train --out "$out/train.tok"
for kind in lstm gru; do
  "$bench" neural train-speed "$corpus" --kind "$kind" --seconds "$seconds" --threads "$threads" 2>/dev/null | tee -a "$out/results.jsonl"
  if "$py" -c "import torch" 2>/dev/null; then
    "$py" "$here/pytorch_lm.py" --tokens "$out/train.tok" --kind "$kind" --seconds "$seconds" --threads "$threads" | tee -a "$out/results.jsonl"
  else
    echo "python3-torch not installed: skipping PyTorch" >&2
  fi
done
if "$cli" info "$model" | grep -q '^neural'; then
  "$bench" neural latency "$model" "$corpus" --requests 2000 | tee -a "$out/results.jsonl"
fi
