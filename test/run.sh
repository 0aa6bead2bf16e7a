#!/bin/sh
# The whole test suite: tools check/install, type check, then every test file in two phases.
# Phase 1 runs two files at a time. Phase 2 runs the HA lab files one at a time: two real
# daemons with 1.5 s dead timers must not share two cores with another lab or benchmark, or
# a test would measure the machine instead of the failover.
set -e
cd "$(dirname "$0")/.."
sh test/setup-tools.sh
echo "== typecheck (tsc --noEmit)"
node_modules/.bin/tsc -p tsconfig.json
NODE=node_modules/.bin/node
SERIAL="test/ha/lab.test.ts test/ha/scenarios.test.ts test/soak/soak.test.ts bench/ha.test.ts cluster/ha-service.test.ts cluster/sync/replication.lab.test.ts"
ALL=$(find agent net provisioning cluster test bench -name '*.test.ts' -not -path '*/node_modules/*' | sort)
PARALLEL=""
for f in $ALL; do
  case " $SERIAL " in *" $f "*) ;; *) PARALLEL="$PARALLEL $f" ;; esac
done
for f in $SERIAL; do [ -f "$f" ] || { echo "!!! test/run.sh: $f is listed as a serial test but does not exist"; exit 1; }; done
echo "== tests, phase 1 (two files at a time)"
status=0
$NODE --test --test-concurrency=2 --test-timeout=600000 $PARALLEL || status=$?
echo "== tests, phase 2 (HA lab: one file at a time)"
$NODE --test --test-concurrency=1 --test-timeout=900000 $SERIAL || status=$?
if [ "$status" != 0 ]; then echo "!!! test suite FAILED (see the failing tests above)"; fi
exit $status
