#!/bin/sh
# npm test, after test-tools.mjs found the tools: the typecheck runs beside the tests instead of before
# them (15 CPU s, while the tests mostly wait on child processes, sockets, timers and the broker); either
# failing fails npm test. Arguments go to vitest (`npm test -- --project unit`).
{ tsc -p tsconfig.test.json && tsc -p src/web/page --noEmit; } &
typecheck=$!
vitest run "$@"
status=$?
wait "$typecheck" || exit $?
exit "$status"
