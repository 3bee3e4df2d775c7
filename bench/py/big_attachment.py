"""One message with a large attachment through smtplib + email (peak RSS measured outside).

    python3 big_attachment.py HOST PORT FILE
"""
import smtplib
import sys
from email.message import EmailMessage


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    msg = EmailMessage()
    msg["From"] = "bench@example.com"
    msg["To"] = "rcpt@example.com"
    msg["Subject"] = "large attachment"
    msg.set_content("See the attachment.\n")
    with open(path, "rb") as f:
        msg.add_attachment(f.read(), maintype="application", subtype="octet-stream", filename="big.bin")
    with smtplib.SMTP(host, port, timeout=120) as smtp:
        smtp.send_message(msg)


if __name__ == "__main__":
    main()
