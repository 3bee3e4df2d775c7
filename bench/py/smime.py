"""S/MIME with Python's `cryptography` in-process (PKCS7 builders, S/MIME output): sign,
encrypt, or sign then encrypt, a MIME entity of about SIZE bytes, N times.

    python3 smime.py sign|encrypt|both SIZE N CERT.pem KEY.pem
"""
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7


def main():
    mode, size, n, cert_path, key_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    line = b"The quick brown fox jumps over the lazy dog, again and again and again.....\r\n"
    body = line * (size // len(line) + 1)
    entity = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body
    start = time.perf_counter()
    out = b""
    for _ in range(n):
        data = entity
        if mode in ("sign", "both"):
            data = (
                pkcs7.PKCS7SignatureBuilder()
                .set_data(data)
                .add_signer(cert, key, hashes.SHA256())
                .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
            )
        if mode in ("encrypt", "both"):
            data = pkcs7.PKCS7EnvelopeBuilder().set_data(data).add_recipient(cert).encrypt(serialization.Encoding.SMIME, [])
        out = data
    secs = time.perf_counter() - start
    print(f"mode={mode} in_bytes={len(entity)} out_bytes={len(out)} messages={n} seconds={secs:.4f} per_second={n / secs:.2f}")


if __name__ == "__main__":
    main()
