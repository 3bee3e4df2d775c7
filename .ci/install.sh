#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (CI and newcomers alike).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
need_apt=0
for tool in /usr/sbin/smtp-sink /usr/sbin/postfix /usr/bin/openssl /usr/bin/valgrind /usr/bin/gpgsm /usr/bin/gpg-agent /usr/bin/pkg-config /usr/bin/cc; do
  [ -x "$tool" ] || need_apt=1
done
[ -f /usr/include/openssl/ssl.h ] || need_apt=1
if [ "$need_apt" = 1 ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    postfix openssl libssl-dev pkg-config valgrind gpgsm gnupg gcc libc6-dev ca-certificates >/dev/null
fi
# cryptography must be new enough to decrypt S/MIME (pkcs7_decrypt_smime, cryptography >= 44).
python3 -c 'import aiosmtpd; from cryptography.hazmat.primitives.serialization.pkcs7 import pkcs7_decrypt_smime' 2>/dev/null || \
  python3 -m pip install -q --disable-pip-version-check --upgrade aiosmtpd 'cryptography>=44'

