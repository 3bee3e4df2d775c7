#!/bin/sh
# A sendmail program whose queue is unavailable: reads the message, then fails the way
# sendmail programs report a temporary failure (sysexits.h EX_TEMPFAIL = 75).
cat >/dev/null
echo "sendmail: fatal: queue file write error (test)" >&2
exit 75
