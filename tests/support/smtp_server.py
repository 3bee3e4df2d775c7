#!/usr/bin/env python3
"""A test SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS, SMTPS, AUTH and refusals.

Started by tests/common/smtp.rs. Prints "READY" once it listens, then serves until its
standard input is closed (so it never outlives the test that started it).

Each accepted message is written to --dump as N.eml (the bytes exactly as received, after
dot-unstuffing) and N.json (envelope: mail_from, mail_options, rcpt_tos, rcpt_options, auth,
tls).
"""

import argparse
import base64
import json
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, dump, refuse):
        self.dump = dump
        self.refuse = {a.lower() for a in refuse}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.dump, "%d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": getattr(envelope, "rcpt_options", []),
            "auth": session.authenticated,
            # STARTTLS sets session.ssl; on SMTPS the transport itself is TLS.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as TEST%d" % n


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = auth_data.login == self.user and auth_data.password == self.password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


class OAuthSMTP(SMTP):
    """Adds AUTH XOAUTH2 (Google/Microsoft style): the token travels as the password does."""

    token = None
    user = None

    async def auth_XOAUTH2(self, _, args):
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        try:
            blob = base64.b64decode(args[1], validate=True).decode()
            fields = dict(p.split("=", 1) for p in blob.split("\x01") if "=" in p)
        except Exception:
            return AuthResult(success=False, handled=False)
        ok = fields.get("user") == self.user and fields.get("auth") == "Bearer %s" % self.token
        if not ok:
            # RFC 7628 style: an error challenge, then the final refusal after the client's reply.
            await self.challenge_auth(json.dumps({"status": "401"}))
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=self.user)


class TestController(Controller):
    def __init__(self, *args, token=None, user=None, **kw):
        self.token = token
        self.user = user
        super().__init__(*args, **kw)

    def factory(self):
        server = OAuthSMTP(self.handler, **self.SMTP_kwargs)
        server.token = self.token
        server.user = self.user
        return server


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", choices=["plain", "starttls", "smtps"], default="plain")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--token", help="XOAUTH2 access token accepted for --user")
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--size", type=int, default=None)
    p.add_argument("--dump", required=True)
    args = p.parse_args()

    kw = {"hostname": "127.0.0.1", "port": args.port}
    # aiosmtpd counts only STARTTLS as TLS for AUTH; on SMTPS the whole connection is TLS.
    smtp_kw = {"data_size_limit": args.size, "auth_require_tls": args.mode == "starttls"}
    if args.user:
        smtp_kw["authenticator"] = Authenticator(args.user, args.password or "")
        smtp_kw["auth_required"] = True
    if args.mode != "plain":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.mode == "starttls":
            smtp_kw["tls_context"] = ctx
            smtp_kw["require_starttls"] = True
        else:
            kw["ssl_context"] = ctx
    controller = TestController(
        Handler(args.dump, args.refuse), token=args.token, user=args.user, **kw, **smtp_kw
    )
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
