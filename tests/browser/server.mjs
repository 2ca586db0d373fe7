// Starts the real kuber-server binary ($KUBER_BIN) on free ports with a fresh data directory, and a
// small REST client with Basic auth for setting up and checking what the browser did.

import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, openSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ADMIN = { username: "admin", password: "console-admin-pw" };

/** The binary under test; a missing $KUBER_BIN fails the run (never skips it). */
export function kuberBin() {
  const path = process.env.KUBER_BIN;
  if (!path) {
    throw new Error(
      "KUBER_BIN is not set: build the server and point KUBER_BIN at it, e.g.\n" +
        "  cargo build -p kuber-server --bin kuber-server && KUBER_BIN=$CARGO_TARGET_DIR/debug/kuber-server tests/browser/run.sh",
    );
  }
  accessSync(path, constants.X_OK);
  return path;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class KuberServer {
  static async start() {
    const bin = kuberBin();
    const dataDir = mkdtempSync(join(tmpdir(), "kuber-browser-"));
    const port = await freePort();
    let httpPort = await freePort();
    while (httpPort === port) httpPort = await freePort();
    const logPath = join(dataDir, "server.log");
    const log = openSync(logPath, "a");
    const child = spawn(
      bin,
      ["--bind", "127.0.0.1", "--port", String(port), "--http-port", String(httpPort), "--data-dir", dataDir],
      { env: { ...process.env, KUBER_ADMIN_PASSWORD: ADMIN.password, RUST_LOG: "warn" }, stdio: ["ignore", log, log] },
    );
    const server = new KuberServer(child, dataDir, logPath, `http://127.0.0.1:${httpPort}`, port);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`kuber-server exited with ${child.exitCode}:\n${server.log()}`);
      try {
        const r = await fetch(`${server.base}/health`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`kuber-server did not answer /health within 20 s:\n${server.log()}`);
      }
      await sleep(100);
    }
    return server;
  }

  constructor(child, dataDir, logPath, base, respPort) {
    this.child = child;
    this.respPort = respPort;
    this.dataDir = dataDir;
    this.logPath = logPath;
    this.base = base;
  }

  log() {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "(no log)";
    }
  }

  /** A REST call with Basic auth; resolves to {status, body}. */
  async rest(method, path, body, user = ADMIN) {
    const headers = { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${this.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: r.status, body: parsed };
  }

  /**
   * Sends RESP commands on one connection (as admin) for `ms` milliseconds: every 100 ms a batch
   * from `batch(tick)` (an array of commands, each an array of strings), pipelined. Replies are
   * read and dropped. Resolves to the number of commands sent.
   */
  async respTraffic(ms, batch) {
    const socket = connect(this.respPort, "127.0.0.1");
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.on("data", () => {});
    const encode = (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
    socket.write(encode(["AUTH", ADMIN.username, ADMIN.password]));
    let sent = 0;
    const end = Date.now() + ms;
    for (let tick = 0; Date.now() < end; tick += 1) {
      const commands = batch(tick);
      socket.write(commands.map(encode).join(""));
      sent += commands.length;
      await sleep(100);
    }
    await new Promise((resolve) => socket.end(resolve));
    return sent;
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its data directory. */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      const timeout = sleep(10_000).then(() => "timeout");
      if ((await Promise.race([exited, timeout])) === "timeout") {
        this.child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
