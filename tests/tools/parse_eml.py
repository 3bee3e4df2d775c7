#!/usr/bin/env python3
"""Reads an .eml with Python's email package (policy=default) and prints what a receiver sees,
as JSON: every defect, the decoded headers, and each MIME part with its decoded content.

Used by the Rust tests as an independent MIME parser."""
import email
import email.policy
import hashlib
import json
import sys


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = []
    parts = []
    for part in msg.walk():
        defects += [f"{part.get_content_type()}: {type(d).__name__}: {d}" for d in part.defects]
        entry = {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "disposition": part.get_content_disposition(),
            "filename": part.get_filename(),
            "content_id": part.get("Content-ID"),
            "cte": part.get("Content-Transfer-Encoding"),
        }
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            entry["size"] = len(payload)
            entry["sha256"] = hashlib.sha256(payload).hexdigest()
            if part.get_content_maintype() == "text":
                entry["text"] = part.get_content()
        parts.append(entry)
    headers = {}
    for name in msg.keys():
        values = [str(v) for v in msg.get_all(name)]
        headers[name.lower()] = values if len(values) > 1 else values[0]
    bare_lf = raw.replace(b"\r\n", b"").count(b"\n")
    long_lines = sum(1 for line in raw.split(b"\r\n") if len(line) > 998)
    non_ascii = sum(1 for b in raw if b > 127)
    print(json.dumps({
        "defects": defects,
        "headers": headers,
        "parts": parts,
        "bare_lf": bare_lf,
        "long_lines": long_lines,
        "non_ascii_bytes": non_ascii,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
