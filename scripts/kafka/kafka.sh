#!/usr/bin/env bash
# Single-node KRaft Apache Kafka broker on loopback, for tests and local runs.
#   scripts/kafka/kafka.sh fetch   resolve the broker jars from Maven Central (cached)
#   scripts/kafka/kafka.sh start   fetch, format storage, start, wait until the broker answers
#   scripts/kafka/kafka.sh stop    stop the broker started by 'start' (SIGTERM, then SIGKILL after 10 s)
#   scripts/kafka/kafka.sh resume  start the stopped broker again on its existing data (outage tests)
#   scripts/kafka/kafka.sh pid     print the broker's process id
# Env: KAFKA_PORT (default 19092), KAFKA_HOME_DIR (default .cache/kafka in the repo).
# Version: 3.9.1 (see pom.xml and docs/kafka.md for why not 4.x). Start/stop scaffolding: scripts/lib/java-server.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
home=${KAFKA_HOME_DIR:-$root/.cache/kafka}
libs=$home/$version/libs
port=${KAFKA_PORT:-19092}
ctrl_port=$((port + 1))
run=$home/run-$port
name=kafka.sh
mkdir -p "$home"
# shellcheck source=../lib/java-server.sh
source "$here/../lib/java-server.sh"

# G1 with the pause target and heap trigger of Kafka's own start script (kafka-run-class.sh): with the JVM's
# default 200 ms target, the broker's young collections after a heavy run took 0.4-0.5 s (seen at load 40-48),
# in the live latency path. C1 only (TieredStopAtLevel=1): a loopback broker for tests and local runs lives
# minutes, and C2's compiling cost more CPU than it saved there. Measured (docs/benchmarks.md, Test suite, fourth
# pass): its start 5.5–6.5 → 3.2–3.3 CPU s, a simulated day's replay through it 11.6–14.1 → 8.2–8.6 CPU s in the
# broker, the same report.
jvm=(-Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:TieredStopAtLevel=1 -Djava.awt.headless=true "-Dlog4j.configuration=file:$run/log4j.properties" -cp "$libs/*")
server_args=("${jvm[@]}" kafka.Kafka "$run/server.properties")

what() { echo "broker on 127.0.0.1:$port"; }
configured() { [ -f "$run/server.properties" ]; }
logs() { echo "$run/stdout.log $run/broker.log"; }
answers() {
  grep -q "Kafka Server started" "$run/stdout.log" "$run/broker.log" 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

configure() {
  mkdir -p "$run/data"
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
  java "${jvm[@]}" kafka.tools.StorageTool format -t "liqstream-test-cluster-0001" -c "$run/server.properties" >"$run/format.log" 2>&1
}

# A resumed broker must not find the last run's "started" line in its log.
before_launch() { : > "$run/broker.log"; }

dispatch "${1:-}"
