import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A real EVM node for tests: Foundry's anvil (npm @foundry-rs/anvil-linux-amd64) on loopback. One per test
 * file. It serves JSON-RPC over HTTP and WebSocket on the same port.
 */
export const ANVIL_BIN = fileURLToPath(new URL('../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil', import.meta.url));

/** anvil's first default account (unlocked, funded): every test transaction comes from it. */
export const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

export interface AnvilOptions {
  port: number;
  /** Extra flags: ['--prune-history'], ['--no-mining'], ['--block-time', '1'] … */
  args?: string[];
  /** Load the chain from this file at start and dump it there on exit (anvil --state): kill and restart keep the chain. */
  stateFile?: string;
}

export class Anvil {
  private child: ChildProcess | undefined;
  private output = '';
  private nextId = 1;

  constructor(private readonly options: AnvilOptions) {}

  get port(): number {
    return this.options.port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.options.port}`;
  }

  /** Starts anvil and waits until it answers eth_chainId. */
  async start(): Promise<this> {
    const { port, args = [], stateFile } = this.options;
    const flags = ['--port', String(port), '--host', '127.0.0.1', ...(stateFile ? ['--state', stateFile, '--preserve-historical-states'] : []), ...args];
    const child = spawn(ANVIL_BIN, flags, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-4_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`anvil exited ${child.exitCode}: ${this.output}`);
      try {
        await this.rpc('eth_chainId');
        return this;
      } catch {
        if (Date.now() > deadline) throw new Error(`anvil did not answer on ${port}: ${this.output}`);
        await sleep(50);
      }
    }
  }

  /** Ends anvil with `signal` (SIGTERM lets --state dump the chain) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT');
    child.kill(signal);
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    await exited;
  }

  /**
   * SIGSTOP / SIGCONT: a node that freezes (sockets stay open, nothing answers) and thaws. freeze() returns once every
   * thread of the node has stopped (read from /proc, up to 2 s): kill() only queues the signal, and a loaded host let
   * a node answer a range import's next requests after the test had frozen it (a clean CI run saw the import finish).
   */
  freeze(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.child!.kill('SIGSTOP');
    const stopped = () => {
      try {
        return readdirSync(`/proc/${pid}/task`).every((t) => /^\d+ \(.*\) [Tt] /s.test(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')));
      } catch {
        return true; // gone
      }
    };
    for (const until = Date.now() + 2_000; !stopped() && Date.now() < until; ) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** One JSON-RPC call over HTTP; a JSON-RPC error throws with its message. */
  async rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.options.port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<string>('eth_blockNumber'));
  }

  /** Mines `n` empty blocks at once. */
  async mine(n = 1): Promise<void> {
    await this.rpc('anvil_mine', [`0x${n.toString(16)}`]);
  }

  /**
   * Sends a transaction from the dev account and waits for its receipt (anvil answers eth_sendTransaction before
   * its automine has sealed the block). A reverted transaction throws.
   */
  async send(tx: { to?: string; data: string; gas?: number }): Promise<Receipt> {
    const hash = await this.rpc<string>('eth_sendTransaction', [{ from: DEV_ACCOUNT, ...tx, gas: `0x${(tx.gas ?? 15_000_000).toString(16)}` }]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const receipt = await this.rpc<Receipt | null>('eth_getTransactionReceipt', [hash]);
      if (receipt) {
        if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted`);
        return receipt;
      }
      if (Date.now() > deadline) throw new Error(`transaction ${hash} not mined (is mining on?)`);
      await sleep(2);
    }
  }

  /** Deploys creation code (bytecode + encoded constructor arguments); returns the contract's address. */
  async deploy(code: string): Promise<string> {
    const receipt = await this.send({ data: code });
    if (!receipt.contractAddress) throw new Error(`deployment ${receipt.transactionHash} made no contract`);
    return receipt.contractAddress;
  }

  /** Every log of blocks [from, to] (a fresh eth_getLogs: the recount the tests compare with). */
  async logs(filter: { fromBlock: number; toBlock: number; address?: string | string[]; topics?: unknown[] }): Promise<RpcLog[]> {
    return this.rpc<RpcLog[]>('eth_getLogs', [{ ...filter, fromBlock: hex(filter.fromBlock), toBlock: hex(filter.toBlock) }]);
  }
}

export interface Receipt {
  transactionHash: string;
  status: string;
  blockNumber: string;
  contractAddress: string | null;
  logs: RpcLog[];
}

export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A TCP proxy in front of a node: `cut()` drops every connection through it and refuses new ones (a socket
 * outage while the node goes on mining), `restore()` lets clients in again.
 */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private open = true;

  constructor(private readonly listenPort: number, private readonly targetPort: number) {}

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.listenPort}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.listenPort, '127.0.0.1', resolve));
    return this;
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  /** How many connections are open through it now. */
  get connections(): number {
    return this.sockets.size / 2;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
