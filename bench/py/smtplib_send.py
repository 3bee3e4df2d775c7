"""Python's usual way: smtplib on one connection, an EmailMessage built for each message.

    python3 smtplib_send.py HOST PORT N
"""
import smtplib
import sys
import time
from email.message import EmailMessage


def body():
    # Same text as lncmail-bench: 12 lines of 60 characters.
    chunk = ("abcdefghijklmnopqrstuvwxyz0123456789 " * 2)[:57]
    return "\n".join(f"{i:02} {chunk}" for i in range(12)) + "\n"


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    text = body()
    start = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.ehlo()
        for i in range(n):
            msg = EmailMessage()
            msg["From"] = "Bench <bench@example.com>"
            msg["To"] = "rcpt@example.com"
            msg["Subject"] = f"bench message {i}"
            msg["Date"] = smtplib.email.utils.formatdate(localtime=True)
            msg["Message-ID"] = smtplib.email.utils.make_msgid(domain="example.com")
            msg.set_content(text)
            smtp.send_message(msg)
    secs = time.perf_counter() - start
    print(f"messages={n} seconds={secs:.4f} per_second={n / secs:.1f}")


if __name__ == "__main__":
    main()
