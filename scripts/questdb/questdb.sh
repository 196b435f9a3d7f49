#!/usr/bin/env bash
# A single QuestDB server on loopback, for tests and local runs (the `store.kind: questdb` sink).
#   scripts/questdb/questdb.sh fetch   resolve the server jar from Maven Central (cached)
#   scripts/questdb/questdb.sh start   fetch, write a fresh data dir, start, wait until it answers SQL
#   scripts/questdb/questdb.sh stop    stop the server started by 'start' (SIGTERM, then SIGKILL after 10 s)
#   scripts/questdb/questdb.sh resume  start the stopped server again on its existing data (outage tests)
#   scripts/questdb/questdb.sh pid     print the server's process id (tests freeze it with SIGSTOP)
# Env: QUESTDB_HTTP_PORT (default 9000: REST, /exec and ILP over HTTP), QUESTDB_PG_PORT (8812, PostgreSQL
# wire), QUESTDB_ILP_PORT (9009, ILP over TCP), QUESTDB_HOME_DIR (default .cache/questdb in the repo).
# The data dir is $QUESTDB_HOME_DIR/run-<http port>: 'start' empties it, 'resume' keeps it.
# Version: see pom.xml (9.0.3 runs on Java 17). Start/stop scaffolding: scripts/lib/java-server.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<questdb.version>\(.*\)</questdb.version>.*:\1:p' "$here/pom.xml")
home=${QUESTDB_HOME_DIR:-$root/.cache/questdb}
libs=$home/$version/libs
http_port=${QUESTDB_HTTP_PORT:-9000}
pg_port=${QUESTDB_PG_PORT:-8812}
ilp_port=${QUESTDB_ILP_PORT:-9009}
run=$home/run-$http_port
name=questdb.sh
mkdir -p "$home"
# shellcheck source=../lib/java-server.sh
source "$here/../lib/java-server.sh"

# C1 only (TieredStopAtLevel=1), as the test broker: a server for tests and local runs lives minutes, and C2's
# compiling cost more CPU than it saved. Measured (docs/benchmarks.md, Test suite, fourth pass): its start
# 4.8 → 3.1 CPU s; store-import.questdb's 1.5M-account slice 15.6 → 10.7–11.8 CPU s in the server.
server_args=(-Xms128m -Xmx1g -XX:+UseParallelGC -XX:TieredStopAtLevel=1 -p "$libs/questdb-$version.jar" -m io.questdb/io.questdb.ServerMain -d "$run/db")

what() { echo "server on 127.0.0.1 (http $http_port, pg $pg_port, ilp $ilp_port)"; }
configured() { [ -f "$run/db/conf/server.conf" ]; }
logs() { echo "$run/stdout.log"; }
# QuestDB answers SQL over HTTP (plain bash: no curl needed).
answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$http_port" && printf 'GET /exec?query=SELECT%%201 HTTP/1.0\r\n\r\n' >&3 && head -1 <&3 | grep -q ' 200') 2>/dev/null
}

configure() {
  mkdir -p "$run/db/conf"
  # Loopback only; no telemetry, no UDP, no second (health) HTTP server; small worker pools for a shared 2-core CI box.
  cat > "$run/db/conf/server.conf" <<PROPS
http.bind.to=127.0.0.1:$http_port
http.min.enabled=false
pg.net.bind.to=127.0.0.1:$pg_port
line.tcp.net.bind.to=127.0.0.1:$ilp_port
line.udp.enabled=false
telemetry.enabled=false
shared.worker.count=2
http.worker.count=1
pg.worker.count=1
line.tcp.writer.worker.count=1
line.tcp.io.worker.count=1
wal.apply.worker.count=1
cairo.wal.apply.look.ahead.txn.count=20
PROPS
}

dispatch "${1:-}"
