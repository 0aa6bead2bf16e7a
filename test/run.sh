#!/bin/sh
# The whole test suite: tools check/install, type check, then every test file.
set -e
cd "$(dirname "$0")/.."
sh test/setup-tools.sh
echo "== typecheck (tsc --noEmit)"
node_modules/.bin/tsc -p tsconfig.json
echo "== tests"
exec node_modules/.bin/node --test --test-concurrency=2 --test-timeout=600000 \
  'agent/**/*.test.ts' 'net/**/*.test.ts' 'provisioning/**/*.test.ts' 'cluster/**/*.test.ts' 'test/**/*.test.ts' 'bench/**/*.test.ts'
