#!/usr/bin/env bash
# End-to-end tests: the real `completion-lsp serve` process driven by third-party LSP clients
# (Node's vscode-jsonrpc/vscode-languageserver-protocol, and headless Neovim through editors/neovim).
# Installs what they need when missing (Debian: nodejs, npm, neovim; npm: tests/e2e/node/package-lock.json),
# then runs them through xunit (EndToEndTests, ServerProcessTests). Usage: tests/e2e/run.sh [--install-only | dotnet test args...]
# scripts/test.sh calls it with --install-only before running every test project (these tests included).
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v nvim >/dev/null || need+=(neovim)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi
(cd tests/e2e/node && npm ci --no-audit --no-fund --loglevel=error)
if [ "${1:-}" = "--install-only" ]; then exit 0; fi

dotnet test tests/CompletionLsp.Server.Tests --filter "FullyQualifiedName~EndToEndTests|FullyQualifiedName~ServerProcessTests" "$@"
