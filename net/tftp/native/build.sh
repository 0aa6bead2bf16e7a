#!/bin/sh
# Builds the TFTP data pump (net/tftp/native/build/pump.node) with the C compiler and the
# Node-API headers that come with the project's own Node (node_modules/node). Node-API is
# ABI-stable, so no node-gyp and no download: one cc call, well under a second.
# Run by `npm install` (postinstall) and by test/setup-tools.sh. Without a compiler the
# daemon still runs: tftp.engine=auto falls back to the JavaScript engine and says so.
set -e
cd "$(dirname "$0")"
NODE=${NODE:-../../../node_modules/.bin/node}
[ -x "$NODE" ] || NODE=node
# Node-API headers: beside the running Node, in the npm `node` package's platform package, or
# Debian's nodejs-dev. Any of them builds a module the project's Node loads (stable ABI).
INC=""
for d in "$("$NODE" -p "require('node:path').resolve(process.execPath, '../../include/node')")" \
         ../../../node_modules/node/node_modules/node-*/include/node /usr/include/node; do
  if [ -f "$d/node_api.h" ]; then INC=$d; break; fi
done
if [ -z "$INC" ]; then
  echo "!!! tftp pump: no Node-API headers (node_api.h) found; run npm install first" >&2
  exit 1
fi
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "!!! tftp pump: no C compiler ($CC); install gcc (apt-get install gcc libc6-dev) and run sh net/tftp/native/build.sh" >&2
  exit 1
fi
mkdir -p build
"$CC" -O2 -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared -pthread -fvisibility=hidden \
  -I"$INC" pump.c -o build/pump.node.tmp
mv build/pump.node.tmp build/pump.node
echo "== tftp pump built: net/tftp/native/build/pump.node"
