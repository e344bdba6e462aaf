#!/usr/bin/env bash
# The VS Code extension's tests: unit tests under Node, then the end-to-end test in a real VS Code
# (code-server 4.100.3 in Debian's Chromium, installed by ../shared/tools/install-code-server.sh).
# The server is published fresh, self-contained, into artifacts/server-linux-x64 first (the .vsix ships it, and the
# end-to-end test runs code-server with no dotnet on PATH). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
p=0; f=0
npm ci --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp)
npm test 2>&1 | tee "$out"
up=$(sed -nE 's/^# pass ([0-9]+)/\1/p' "$out" | tail -1); uf=$(sed -nE 's/^# fail ([0-9]+)/\1/p' "$out" | tail -1)
p=$((p + ${up:-0})); f=$((f + ${uf:-1}))
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
export COMPLETION_LSP_SERVER_DIR="$repo/artifacts/server-$rid"
rm -rf "$COMPLETION_LSP_SERVER_DIR" # publishing into an old folder would leave files that are no longer published
(cd "$repo" && dotnet publish src/CompletionLsp.Cli -c Release -r "$rid" --self-contained -p:PublishReadyToRun=true -o "$COMPLETION_LSP_SERVER_DIR" -nologo -v q) \
  || { echo "$p passed, $((f + 1)) failed"; exit 1; }
npm run test:e2e 2>&1 | tee "$out"
ep=$(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed/\1/p' "$out" | tail -1); ef=$(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed/\2/p' "$out" | tail -1)
p=$((p + ${ep:-0})); f=$((f + ${ef:-1}))
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
