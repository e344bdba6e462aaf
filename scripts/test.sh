#!/usr/bin/env bash
# Runs every test of the project: the .NET suites (engine, server, neural), the end-to-end LSP clients (Node,
# Neovim) and the VS Code extension's unit and end-to-end tests. Installs what it needs (apt-get, npm).
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log=$(mktemp -d)
passed=0; failed=0; status=0

count() { # count <name> <passed> <failed>
  echo "== $1: $2 passed, $3 failed"
  passed=$((passed + $2)); failed=$((failed + $3))
  [ "$3" -eq 0 ] || status=1
}

# The security test traces the server with strace (it is skipped without it).
if ! command -v strace >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq strace >/dev/null || true
  else sudo apt-get update -qq && sudo apt-get install -y -qq strace >/dev/null || true; fi
fi
echo "== installing what the end-to-end tests need (node, npm, neovim, npm packages)"
bash tests/e2e/run.sh --install-only || { echo "installing the end-to-end prerequisites failed"; echo "0 passed, 1 failed"; exit 1; }
# Every test that needs a tool must find it: none may skip for a missing one.
export COMPLETION_LSP_REQUIRE_E2E=1

echo "== building (Release)"
if ! dotnet build CompletionLsp.sln -c Release -nologo -v q 2>&1 | tee "$log/build.txt" | grep -E " error |Warn|rror\(s\)"; then :; fi
if grep -q " error " "$log/build.txt"; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi
# Warnings are errors (Directory.Build.props); a warning that MSBuild or NuGet prints outside the compiler fails too.
if grep -qiE ": warning [A-Z]+[0-9]+" "$log/build.txt"; then echo "the build printed warnings"; echo "0 passed, 1 failed"; exit 1; fi

# Test suites are the projects named *.Tests (tests/CompletionLsp.TestSupport is a library they share, not a suite).
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$(dirname "$proj")")
  echo "== dotnet test $name"
  dotnet test "$proj" -c Release --no-build -nologo 2>&1 | tee "$log/$name.txt" | grep -E "^(Passed|Failed)!|^\s+Failed |error" || true
  line=$(grep -E "^(Passed|Failed)!" "$log/$name.txt" | tail -1)
  p=$(echo "$line" | sed -nE 's/.*Passed: +([0-9]+).*/\1/p'); f=$(echo "$line" | sed -nE 's/.*Failed: +([0-9]+),.*/\1/p')
  if [ -z "$line" ]; then count "$name" 0 1; else count "$name" "${p:-0}" "${f:-0}"; fi
done

# Editor suites (the VS Code extension's unit and end-to-end tests) are scripts editors/*/test.sh;
# each prints a final "N passed, N failed" line.
for script in editors/*/test.sh; do
  [ -f "$script" ] || continue
  echo "== $script"
  bash "$script" 2>&1 | tee "$log/$(basename "$(dirname "$script")")-$(basename "$script").txt"
  rc=${PIPESTATUS[0]}
  line=$(grep -E "^[0-9]+ passed, [0-9]+ failed" "$log/$(basename "$(dirname "$script")")-$(basename "$script").txt" | tail -1)
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
  if [ -z "$line" ]; then count "$script" 0 1
  else
    [ "$rc" -eq 0 ] || [ "${f:-0}" -gt 0 ] || f=1
    count "$script" "${p:-0}" "${f:-0}"
  fi
done

echo
echo "$passed passed, $failed failed"
exit $status
