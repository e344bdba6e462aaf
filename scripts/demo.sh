#!/usr/bin/env bash
# Set-up and demo in one command: builds the server into artifacts/server, trains a model on this repository
# (or on the folder given), and shows real completions and ghost text from the server over LSP.
# With --vsix it also packages the VS Code extension (with a self-contained server inside) into editors/vscode/.
set -euo pipefail
cd "$(dirname "$0")/.."
vsix=0
args=()
for a in "$@"; do if [ "$a" = "--vsix" ]; then vsix=1; else args+=("$a"); fi; done
echo "== building the server (dotnet publish -> artifacts/server)"
dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server -nologo -v q
if [ "$vsix" = 1 ] && [ -f editors/vscode/package.json ]; then
  echo "== packaging the VS Code extension"
  (cd editors/vscode && npm ci --no-audit --no-fund && npm run package)
fi
exec artifacts/server/completion-lsp demo "${args[@]}"
