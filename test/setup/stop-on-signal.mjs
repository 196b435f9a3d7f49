// Plain JavaScript so that its test can run it in a bare node process (test/setup/stop-on-signal.test.ts).

/**
 * A global setup's server stop, run at teardown and also when the vitest process is ended by SIGINT (Ctrl-C) or
 * SIGTERM (a CI timeout): vitest then exits at once without running global teardowns, and a server started with
 * nohup (scripts/lib/java-server.sh: the Kafka broker, QuestDB) outlived it, holding its port and a gigabyte of
 * heap until someone stopped it by hand. `stop` is synchronous (execFileSync): the signal's other listener
 * (vitest's) exits on a timer, after it. Returns the teardown: `stop` once, and the listeners removed.
 * @param {() => void} stop
 * @returns {() => void}
 */
export function stopOnSignal(stop) {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  const onSignal = () => {
    try {
      once();
    } catch (err) {
      console.error(`could not stop a test server on a signal: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    once();
  };
}
