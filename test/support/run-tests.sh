#!/bin/sh
# npm test, after test-tools.mjs found the tools: the typecheck runs beside the tests instead of before
# them (15 CPU s, while the tests mostly wait on child processes, sockets, timers and the broker); either
# failing fails npm test. Arguments go to vitest (`npm test -- --project unit`), which then runs alone.
# The compiler is TypeScript 7 (package.json's typescript-native; `typescript` is 5.9 for the tools that use its JS
# API, such as madge) and the CLI's bundler scripts/bundle/cli.mjs; TSC and BUNDLE_CLI replace them (the tests of
# this script stub them). Unquoted where used: a command and its arguments.
tsc=${TSC:-node node_modules/typescript-native/bin/tsc}
bundle=${BUNDLE_CLI:-node scripts/bundle/cli.mjs}
{ $tsc -p tsconfig.test.json && $tsc -p src/web/page --noEmit; } &
typecheck=$!
esc=$(printf '\033')
# recap SIDE STATUS LOG: one line for a side that passed; for one that failed, its failures' headlines.
recap() {
  echo "npm test: $1: exit status $2"
  [ "$2" -eq 0 ] && return
  # The last lines that match: vitest's summary (each failure's FAIL headline, error and line, then the counts) comes
  # after whatever the tests printed while they ran, which may match too. -a: a NUL byte in the log (a test's binary
  # frame) would make grep say only "binary file matches", on stderr.
  sed "s/$esc\[[0-9;]*m//g" "$3" | grep -aE '^ *(FAIL|×|❯ )|Error|Unhandled|Test Files|Tests  ' | tail -60
}
# exit_status PID: the exit status of a background process. A trapped signal ends a wait before the process does
# (128 + the signal), so then, while it is there, wait again; once reaped, another wait would say 127, not its status.
exit_status() {
  wait "$1"
  set -- "$1" "$?"
  while [ -n "$interrupted" ] && [ "$2" -gt 128 ] && kill -0 "$1" 2>/dev/null; do
    wait "$1"
    set -- "$1" "$?"
  done
  return "$2"
}
if [ $# -gt 0 ]; then
  vitest run "$@"
  status=$?
else
  # Without arguments, the projects whose files wait on servers (Kafka, QuestDB: restarts, session timeouts,
  # outages) run in a vitest process of their own beside unit and cli, with workers of their own: their waiting
  # overlaps the other files' computing, which one shared pool of a worker per core cannot do (vitest runs
  # projects of different maxWorkers one group after another). The unit and cli files start at once, without
  # waiting for the broker's and QuestDB's start. A few long cli files that only compute run on the servers' side too
  # (BESIDE_SERVERS in vitest.config.ts), so that the two sides end together. Built first, once: two build setups at once would both write dist/.
  # As test/setup/build.ts: an incremental build trusts its build info, so without the output it must go.
  [ -f dist/src/cli/main.js ] || rm -f dist/.tsbuildinfo
  # Then the CLI's bundle from that output (scripts/bundle/cli.mjs, ≈ 1 CPU s): what the tests run as `liqstream`.
  $tsc -b tsconfig.json && $tsc -b src/web/page && $bundle
  built=$?
  if [ "$built" -ne 0 ]; then
    wait "$typecheck"
    exit "$built"
  fi
  # Built: the vitest processes started below (this shell's children) skip their build setup (test/setup/build.ts).
  export TEST_DIST_BUILT_BY=$$
  # Without it (TMPDIR not a writable directory) the logs would go to / and the recap read nothing.
  logs=$(mktemp -d "${TMPDIR:-/tmp}/liqstream-test.XXXXXX") || {
    wait "$typecheck"
    exit 1
  }
  beside_log=$logs/servers.log
  # Set before either side starts: a signal that came between a start and the trap ended the shell and left that
  # side running. One that comes before a side's pid is known is passed on once both are (below).
  interrupted=
  beside=
  others=
  trap 'interrupted=1; kill -TERM $others $beside "$typecheck" 2>/dev/null' INT TERM HUP
  TEST_GROUP=servers vitest run >"$beside_log" 2>&1 &
  beside=$!
  # In the background too, so that a signal to npm test alone (a CI job's timeout, `kill` of its pid) reaches the
  # trap at once: without it the shell died and left both vitest processes, the broker and QuestDB running.
  # Kept for the recap and shown as it is written, by a tail that ends once vitest has (a pipe or FIFO to tee would
  # wait for every process holding its end, such as a test worker vitest could not stop).
  : >"$logs/others.log" # there before the tail opens it
  TEST_GROUP=others vitest run >>"$logs/others.log" 2>&1 &
  others=$!
  [ -z "$interrupted" ] || kill -TERM $others $beside 2>/dev/null
  # A tail without --pid (BSD, macOS, busybox) printed nothing, and the log went with the recap: shown whole at the end.
  shown=
  if tail --pid="$$" -n 0 /dev/null 2>/dev/null; then
    tail -n +1 -s 0.2 --pid="$others" -f "$logs/others.log" &
    shown=$!
  fi
  exit_status "$others"
  status=$?
  # Also for a signal that came while only the servers side ran (its broker stop takes up to 10 s).
  exit_status "$beside"
  beside_status=$?
  # The unit/cli side's last lines are shown before what follows.
  if [ -n "$shown" ]; then wait "$shown"; else cat "$logs/others.log"; fi
  # Printed whole after the other, so that the two reports do not interleave; its own summary and exit status.
  echo
  echo "npm test: the projects that start servers (kafka, questdb; with them the cli files of BESIDE_SERVERS), run beside the above in a vitest process of their own (exit status $beside_status):"
  cat "$beside_log"
  # A CI log may keep only its tail: the last lines say which side failed and how.
  recap "unit and cli" "$status" "$logs/others.log"
  recap "kafka and questdb" "$beside_status" "$beside_log"
  rm -rf "$logs"
  [ "$status" -ne 0 ] || status=$beside_status
fi
wait "$typecheck"
typechecked=$?
echo "npm test: typecheck: exit status $typechecked"
[ "$typechecked" -eq 0 ] || exit "$typechecked"
exit "$status"
