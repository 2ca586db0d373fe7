#!/usr/bin/env python3
"""Authenticating TCP relay for running Redis's TCL test suite against a server that requires AUTH.

Redis's test harness cannot authenticate in external mode, and Kuber has no unauthenticated mode.
For every accepted connection this relay opens one connection to the server, sends
`AUTH <user> <password>`, consumes the `+OK` reply, and from then on copies bytes in both
directions until either side closes.  If AUTH is answered with anything other than `+OK`, the relay
prints the reply to stderr, closes the client, and exits with status 2 (fail loudly: the test run
then sees a dead port instead of silently running unauthenticated).

Standard library only.  Usage:
    relay.py --listen-port 7001 --target-port 7000 --user admin --password pw [--ready-file F]
"""

import argparse
import asyncio
import os
import signal
import sys

CHUNK = 64 * 1024


def resp_command(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Relay:
    def __init__(self, opts):
        self.opts = opts
        self.auth_failed = asyncio.Event()
        self.connections = 0

    @staticmethod
    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        """Copy reader -> writer until EOF or an error on either side.  Closes nothing itself."""
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    return "eof"
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return "error"

    @staticmethod
    async def discard(reader: asyncio.StreamReader):
        """Read and drop everything until EOF."""
        while await reader.read(CHUNK):
            pass

    @staticmethod
    def close(*writers: asyncio.StreamWriter):
        for w in writers:
            try:
                w.close()
            except Exception:
                pass

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(self.opts.target_host, self.opts.target_port)
        except OSError as e:
            print(f"relay: cannot connect to {self.opts.target_host}:{self.opts.target_port}: {e}",
                  file=sys.stderr, flush=True)
            client_w.close()
            return
        try:
            server_w.write(resp_command("AUTH", self.opts.user, self.opts.password))
            await server_w.drain()
            reply = await asyncio.wait_for(server_r.readline(), timeout=30)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            reply = f"<no reply: {e!r}>".encode()
        if reply != b"+OK\r\n":
            print(f"relay: FATAL: AUTH {self.opts.user} was answered {reply!r}, expected b'+OK\\r\\n'",
                  file=sys.stderr, flush=True)
            self.close(client_w, server_w)
            self.auth_failed.set()
            return
        up = asyncio.ensure_future(self.pipe(client_r, server_w))
        down = asyncio.ensure_future(self.pipe(server_r, client_w))
        await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        if not down.done():
            # The client closed, or the server stopped accepting writes (e.g. it closed the connection
            # after a protocol error).  Either way the server may still have a reply in flight (such
            # as "-ERR Protocol error ..."), so pass the client's EOF on and keep relaying the server's
            # side until it closes, as a direct connection would.
            try:
                if server_w.can_write_eof():
                    server_w.write_eof()
            except (OSError, RuntimeError):
                pass
            try:
                await asyncio.wait_for(down, timeout=5)
            except asyncio.TimeoutError:
                pass
        # The server is done (or gone).  If the client is still sending (a protocol-error test keeps
        # writing until its writes fail), closing now would reset the connection and could discard
        # the server's last reply before the client reads it.  So: FIN after that reply, discard the
        # client's input until it closes (at most a few seconds), then close both sides.
        up.cancel()
        down.cancel()
        await asyncio.gather(up, down, return_exceptions=True)
        try:
            await client_w.drain()
            if client_w.can_write_eof():
                client_w.write_eof()
            await asyncio.wait_for(self.discard(client_r), timeout=2)
        except (OSError, RuntimeError, asyncio.TimeoutError):
            pass
        self.close(client_w, server_w)

    async def main(self):
        server = await asyncio.start_server(self.handle, self.opts.listen_host, self.opts.listen_port,
                                            reuse_address=True, backlog=1024)
        if self.opts.ready_file:
            with open(self.opts.ready_file, "w") as f:
                f.write(str(os.getpid()))
        print(f"relay: {self.opts.listen_host}:{self.opts.listen_port} -> "
              f"{self.opts.target_host}:{self.opts.target_port} as {self.opts.user}", file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.auth_failed.wait())]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        server.close()
        return 2 if self.auth_failed.is_set() else 0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-host", default="127.0.0.1")
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--target-host", default="127.0.0.1")
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default=os.environ.get("RELAY_PASSWORD"))
    p.add_argument("--ready-file", help="written (with the relay's pid) once the listener is up")
    opts = p.parse_args(argv)
    if opts.password is None:
        p.error("--password or RELAY_PASSWORD is required")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(Relay(parse_args()).main()))
