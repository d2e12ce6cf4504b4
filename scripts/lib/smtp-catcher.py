#!/usr/bin/python3
"""SMTP catcher for the demo stack and the integration tests.

Accepts every message on HOST:PORT and stores it, byte for byte as received
after DATA (CRLF line ends, dots un-stuffed), as one file in a Maildir:
written to MAILDIR/tmp/, then renamed into MAILDIR/new/. Each file starts
with "Return-Path: <envelope sender>" and one "Delivered-To: <rcpt>" line per
envelope recipient. File names sort by arrival (<unix time>.M<usec>P<pid>Q<n>.catcher).

Recipients whose local part starts with "reject-" are refused with 550, so
tests can provoke a permanent failure.

  /usr/bin/python3 scripts/lib/smtp-catcher.py --port PORT --maildir DIR \
      --pidfile FILE [--host 127.0.0.1]

The pid file is written once the port listens (so it doubles as the
readiness signal) and removed on SIGTERM/SIGINT, which stop the catcher.
Exit status 1 when the port cannot be bound.

Needs Debian's python3-aiosmtpd: run it with /usr/bin/python3.
"""
import argparse
import asyncio
import logging
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class Maildir:
    def __init__(self, root):
        self.root = root
        self.count = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)

    def store(self, data):
        self.count += 1
        now = time.time()
        name = "%d.M%06dP%dQ%d.catcher" % (int(now), int((now % 1) * 1e6), os.getpid(), self.count)
        tmp = os.path.join(self.root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.root, "new", name))
        return name


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("reject-"):
            return "550 5.1.1 <%s>: mailbox unavailable (catcher rejects reject-*)" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        body = envelope.original_content or envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        head = "Return-Path: <%s>\r\n" % (envelope.mail_from or "")
        head += "".join("Delivered-To: %s\r\n" % r for r in envelope.rcpt_tos)
        name = self.maildir.store(head.encode("ascii", "replace") + body)
        return "250 OK: stored as %s" % name


def write_pidfile(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, path)


async def serve(args):
    loop = asyncio.get_running_loop()
    handler = Handler(Maildir(args.maildir))
    try:
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="smtp-catcher.local", decode_data=False,
                         data_size_limit=64 * 1024 * 1024),
            host=args.host, port=args.port)
    except OSError as e:
        print("smtp-catcher: cannot listen on %s:%d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 1
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    write_pidfile(args.pidfile)
    print("smtp-catcher: listening on %s:%d, mail in %s/new" % (args.host, args.port, args.maildir),
          file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        try:
            os.unlink(args.pidfile)
        except FileNotFoundError:
            pass
    return 0


def main():
    p = argparse.ArgumentParser(description="Store every SMTP message in a Maildir.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--pidfile", required=True)
    args = p.parse_args()
    args.maildir = os.path.abspath(args.maildir)
    logging.basicConfig(level=logging.WARNING, format="smtp-catcher: %(message)s")
    sys.exit(asyncio.run(serve(args)))


if __name__ == "__main__":
    main()
