#!/usr/bin/env bash
# Single-node KRaft Apache Kafka broker on loopback, for tests and local runs.
#   scripts/kafka/kafka.sh fetch   resolve the broker jars from Maven Central (cached)
#   scripts/kafka/kafka.sh start   fetch, format storage, start, wait until the broker answers
#   scripts/kafka/kafka.sh stop    stop the broker started by 'start' (SIGTERM, then SIGKILL after 10 s)
#   scripts/kafka/kafka.sh resume  start the stopped broker again on its existing data (outage tests)
# Env: KAFKA_PORT (default 19092), KAFKA_HOME_DIR (default .cache/kafka in the repo).
# Version: 3.9.1 (see pom.xml and docs/kafka.md for why not 4.x).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
home=${KAFKA_HOME_DIR:-$root/.cache/kafka}
libs=$home/$version/libs
port=${KAFKA_PORT:-19092}
ctrl_port=$((port + 1))
run=$home/run-$port
mkdir -p "$home"

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  echo "kafka.sh: resolving Apache Kafka $version from Maven Central into $libs" >&2
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

java_main() {
  java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$run/log4j.properties" -cp "$libs/*" "$@"
}

start() {
  fetch
  if [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null; then
    echo "kafka.sh: broker already running on 127.0.0.1:$port (pid $(cat "$run/pid"))" >&2; return 0
  fi
  rm -rf "$run"; mkdir -p "$run/data"
  cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  cat > "$run/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$run/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
  java_main kafka.tools.StorageTool format -t "liqstream-test-cluster-0001" -c "$run/server.properties" >"$run/format.log" 2>&1
  launch
}

resume() {
  [ -f "$run/server.properties" ] || { echo "kafka.sh: no broker on port $port to resume (run start first)" >&2; return 1; }
  if [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null; then return 0; fi
  launch
}

launch() {
  : > "$run/broker.log"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$run/log4j.properties" -cp "$libs/*" kafka.Kafka "$run/server.properties" \
    >"$run/stdout.log" 2>&1 &
  echo $! > "$run/pid"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$run/stdout.log" "$run/broker.log" 2>/dev/null \
       || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "kafka.sh: broker up on 127.0.0.1:$port (pid $(cat "$run/pid"))" >&2; return 0
    fi
    if ! kill -0 "$(cat "$run/pid")" 2>/dev/null; then
      echo "kafka.sh: broker exited during start; last log lines:" >&2
      tail -40 "$run/stdout.log" "$run/broker.log" >&2 || true; return 1
    fi
    sleep 0.5
  done
  echo "kafka.sh: broker did not start within 60 s" >&2; return 1
}

stop() {
  [ -f "$run/pid" ] || return 0
  pid=$(cat "$run/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$run/pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  resume) resume ;;
  *) echo "usage: $0 fetch|start|stop|resume" >&2; exit 2 ;;
esac
