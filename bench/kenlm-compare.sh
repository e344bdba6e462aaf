#!/usr/bin/env bash
# Compares our n-gram models with KenLM on identical token streams, and measures training and query speed.
#
#   bench/kenlm-compare.sh <kenlm-bin-dir> <corpus-dir> [work-dir]
#
# <kenlm-bin-dir> holds KenLM's lmplz and query (built outside this repository; never commit it).
# <corpus-dir> is a C# repository (e.g. a Newtonsoft.Json checkout); its files are split into train and test by
# FNV-1a of their relative paths, as `completion-lsp train/eval` do.
#
# Two comparisons, each at orders $ORDERS (default 3 4 5 6):
#   min-count 2: our default vocabulary. `dump-tokens --model` writes tokens as our model sees them (rare tokens as
#                __unk__, rare literals as class tokens), so KenLM trains and is scored on exactly our stream.
#   min-count 1: `dump-tokens` without a model writes every word; test words never seen in training are KenLM's OOVs
#                (scored as P(<unk>)), and ours are scored as P(<unk>) of a --min-count 1 model.
# KenLM's "Perplexity including OOVs" counts </s> once per line (file), as our eval does: bits/token = log2(perplexity);
# the script checks that KenLM's token count is our test token count plus one </s> per test file.
#
# Needs: dotnet, python3, /usr/bin/time. Environment: ORDERS, LMPLZ_MEMORY (default 1G), QUERIES (default 3000).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
KENLM=$(cd "$1" && pwd)
CORPUS=$(cd "$2" && pwd)
WORK=${3:-$(mktemp -d -t kenlm-compare.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
ORDERS=${ORDERS:-"3 4 5 6"}
LMPLZ_MEMORY=${LMPLZ_MEMORY:-1G}
QUERIES=${QUERIES:-3000}
REPO=$(cd "$(dirname "$0")/.." && pwd)

for tool in lmplz query; do
  [[ -x "$KENLM/$tool" ]] || { echo "error: $KENLM/$tool not found (build KenLM's lmplz and query first)" >&2; exit 2; }
done

echo "building completion-lsp (Release) into $WORK/cli and completion-lsp-bench into $WORK/bench ..." >&2
dotnet publish "$REPO/src/CompletionLsp.Cli" -c Release -o "$WORK/cli" --nologo -v quiet >&2
dotnet build "$REPO/src/CompletionLsp.Bench" -c Release -o "$WORK/bench" --nologo -v quiet >&2
CLI=(dotnet "$WORK/cli/completion-lsp.dll")

results="$WORK/results.tsv"
: > "$results"

for mc in 2 1; do
  dir="$WORK/mc$mc"
  mkdir -p "$dir"
  for n in $ORDERS; do
    model="$dir/o$n.model"
    echo "min-count $mc, order $n: training ours ..." >&2
    /usr/bin/time -v -o "$dir/o$n.time" "${CLI[@]}" train "$CORPUS" --order "$n" --min-count "$mc" --out "$model" > "$dir/o$n.train.txt" 2> "$dir/o$n.train.err"
    echo "min-count $mc, order $n: evaluating ours ..." >&2
    "${CLI[@]}" eval "$CORPUS" --model "$model" --json > "$dir/o$n.eval.json"
  done

  first=$(set -- $ORDERS; echo "$1")
  echo "min-count $mc: dumping token streams ..." >&2
  if [[ $mc == 2 ]]; then
    dump_model=(--model "$dir/o$first.model")
  else
    dump_model=()
  fi
  "${CLI[@]}" dump-tokens "$CORPUS" --split train "${dump_model[@]}" --out "$dir/train.txt"
  "${CLI[@]}" dump-tokens "$CORPUS" --split test "${dump_model[@]}" --out "$dir/test.txt"

  for n in $ORDERS; do
    echo "min-count $mc, order $n: KenLM lmplz and query ..." >&2
    /usr/bin/time -v -o "$dir/k$n.time" "$KENLM/lmplz" -o "$n" --discount_fallback -S "$LMPLZ_MEMORY" -T "$dir" \
      < "$dir/train.txt" > "$dir/k$n.arpa" 2> "$dir/k$n.lmplz.log"
    "$KENLM/query" -v summary "$dir/k$n.arpa" < "$dir/test.txt" > "$dir/k$n.query.txt" 2>&1
    printf '%s\t%s\t%s\n' "$mc" "$n" "$dir" >> "$results"
    rm -f "$dir/k$n.arpa"
  done
done

echo "measuring query latency (order 6 if trained, min-count 2) ..." >&2
last=$(set -- $ORDERS; eval echo "\${$#}")
dotnet "$WORK/bench/completion-lsp-bench.dll" engine "$CORPUS" --model "$WORK/mc2/o$last.model" --queries "$QUERIES" --line > "$WORK/latency.txt"

python3 - "$results" "$WORK" "$last" <<'PY'
import json, math, re, sys
results, work, last = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]

def kenlm(dir, n):
    text = open(f"{dir}/k{n}.query.txt").read()
    ppl = float(re.search(r"Perplexity including OOVs:\s*([0-9.eE+-]+)", text).group(1))
    tokens = int(re.search(r"Tokens:\s*(\d+)", text).group(1))
    oov = int(re.search(r"OOVs:\s*(\d+)", text).group(1))
    log = open(f"{dir}/k{n}.lmplz.log").read()
    return math.log2(ppl), tokens, oov, "Substituting fallback discounts" in log

def timing(path):
    t = open(path).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", t).group(1)
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
    return secs, rss / 1024

best = {}
for mc in ("2", "1"):
    sel = [r for r in rows if r[0] == mc]
    if not sel: continue
    print()
    print(f"min-count {mc}: " + ("rare tokens as __unk__ in both (identical streams)" if mc == "2" else "all training words; unseen test words are OOV (P(<unk>)) in both"))
    print(f"{'order':>5} {'KenLM':>8} {'static':>8} {'diff':>7} {'dynamic':>8} {'top-1':>7} {'top-5':>7} {'MRR@10':>7} {'dyn top-1':>9} {'dyn top-5':>9} {'dyn MRR':>8}")
    for _, n, d in sel:
        kb, ktok, koov, fallback = kenlm(d, n)
        ev = json.load(open(f"{d}/o{n}.eval.json"))
        s, dy = ev["static"]["overall"], ev["dynamic"]["overall"]
        expected = ev["testTokens"] + ev["testFiles"]
        note = "" if ktok == expected else f"  (KenLM scored {ktok} tokens, ours {expected})"
        if fallback: note += "  (KenLM used fallback discounts)"
        print(f"{n:>5} {kb:8.4f} {s['bitsPerToken']:8.4f} {s['bitsPerToken'] - kb:+7.4f} {dy['bitsPerToken']:8.4f} {s['top1']:7.4f} {s['top5']:7.4f} {s['mrr10']:7.4f} {dy['top1']:9.4f} {dy['top5']:9.4f} {dy['mrr10']:8.4f}{note}")
        b = best.setdefault(mc, {"kenlm": (99, 0), "dyn": (99, 0), "maxdiff": 0})
        b["kenlm"] = min(b["kenlm"], (kb, n)); b["dyn"] = min(b["dyn"], (dy["bitsPerToken"], n))
        b["maxdiff"] = max(b["maxdiff"], s["bitsPerToken"] - kb)
    b = best[mc]
    print(f"  static vs KenLM at the same order: ours is at most {b['maxdiff']:+.4f} bits/token off (target <= +0.05)")
    print(f"  best KenLM {b['kenlm'][0]:.4f} (order {b['kenlm'][1]}), best ours dynamic {b['dyn'][0]:.4f} (order {b['dyn'][1]}): "
          f"{b['kenlm'][0] - b['dyn'][0]:.4f} bits/token better (target >= 0.5, aim 0.8)")
    ev = json.load(open(f"{work}/mc{mc}/o{sel[0][1]}.eval.json"))
    print(f"  test split: {ev['testFiles']} files, {ev['testTokens']} tokens; unknown (static) {ev['static']['overall']['unknown']}")

print()
print("training (min-count 2), wall clock and peak resident memory from /usr/bin/time -v:")
for mc, n, d in rows:
    if mc != "2": continue
    secs, rss = timing(f"{d}/o{n}.time")
    summary = open(f"{d}/o{n}.train.txt").read()
    tokens = int(re.search(r"tokens\s+([\d,]+)", summary).group(1).replace(",", ""))
    ksecs, krss = timing(f"{d}/k{n}.time")
    print(f"  order {n}: ours {secs:6.1f} s, {tokens / secs:10,.0f} tokens/s (whole process: start, walk, tokenize, count, smooth, write), peak {rss:6.0f} MiB"
          f" | lmplz {ksecs:6.1f} s, peak {krss:6.0f} MiB")
print()
print("query latency (CompletionEngine, order %s, min-count 2, document and recent-file caches on):" % last)
print("  " + open(f"{work}/latency.txt").read().strip().replace("\n", "\n  "))
PY
echo >&2
echo "work files in $WORK" >&2
