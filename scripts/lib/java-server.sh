# One Java server on loopback for tests and local runs, its jars resolved from Maven Central and cached:
# the start/stop/resume/pid scaffolding shared by scripts/kafka/kafka.sh and scripts/questdb/questdb.sh.
# Sourced after the caller sets:
#   name      what to call it in messages (kafka.sh, questdb.sh)
#   here      the caller's folder (its pom.xml names the jars)
#   libs      where the jars go ($libs/.complete marks a finished fetch)
#   run       the data dir ('start' empties it, 'resume' keeps it; the pid is in $run/pid)
# and defines (server_args: an array variable, the others functions):
#   configure    write a fresh $run (after 'start' emptied it)
#   configured   true when $run holds a configured server to resume
#   server_args  (an array) the server's command line after `java`
#   answers      true once the server answers
#   what         how the server is named in messages ("broker", "server") and where ("on 127.0.0.1:…")
#   logs         the files to show when it dies during start
# and may define before_launch (run before each start or resume of the process).

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  echo "$name: resolving $(basename "$(dirname "$libs")") from Maven Central into $libs" >&2
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

running() { [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null; }

launch() {
  if declare -F before_launch >/dev/null; then before_launch; fi
  nohup java "${server_args[@]}" >"$run/stdout.log" 2>&1 &
  echo $! > "$run/pid"
  for _ in $(seq 1 120); do
    if answers; then
      echo "$name: $(what) up (pid $(cat "$run/pid"))" >&2; return 0
    fi
    if ! running; then
      echo "$name: $(what) exited during start; last log lines:" >&2
      tail -40 $(logs) >&2 || true; return 1
    fi
    sleep 0.5
  done
  echo "$name: $(what) did not start within 60 s" >&2; return 1
}

start() {
  fetch
  if running; then
    echo "$name: $(what) already running (pid $(cat "$run/pid"))" >&2; return 0
  fi
  rm -rf "$run"; mkdir -p "$run"
  configure
  launch
}

resume() {
  configured || { echo "$name: nothing to resume in $run (run start first)" >&2; return 1; }
  if running; then return 0; fi
  launch
}

stop() {
  [ -f "$run/pid" ] || return 0
  local pid
  pid=$(cat "$run/pid")
  kill -CONT "$pid" 2>/dev/null || true # a test may have frozen it
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$run/pid"
}

# The command named by the script's first argument.
dispatch() {
  case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    resume) resume ;;
    pid) cat "$run/pid" ;;
    *) echo "usage: $0 fetch|start|stop|resume|pid" >&2; exit 2 ;;
  esac
}
