#!/usr/bin/env bash
# lncmail against what its users would otherwise use, side by side in one run: throughput on
# loopback and over a 20 ms link, S/MIME, peak memory, and the cost of one lnc_cmd call.
# Rounds are interleaved (every contender once per round) and the table shows medians, so the
# ratios compare figures taken under the same machine load.
#
#   bench/run.sh            # writes bench/results.md and prints it
#   ROUNDS=3 N=2000 bench/run.sh   # shorter
#
# Needs (it installs nothing): cargo, cc, python3 with `cryptography`, openssl, Postfix's
# smtp-sink and smtp-source, GNU time (/usr/bin/time). Network: 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bench"
ROUNDS=${ROUNDS:-5}          # rounds of the S/MIME and lnc_cmd figures
LOOP_ROUNDS=${LOOP_ROUNDS:-7}  # rounds of the loopback throughput (short runs: load bursts show)
N=${N:-5000}                 # messages per loopback throughput run
LINK_N=${LINK_N:-100}        # messages per run over the 20 ms link
LINK_ROUNDS=${LINK_ROUNDS:-3}

say() { printf '\n== %s\n' "$*" >&2; }

# --- What is needed -------------------------------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1: $2"); }
need cargo "https://rustup.rs"
need cc "apt-get install build-essential"
need python3 "apt-get install python3"
need openssl "apt-get install openssl"
need smtp-sink "apt-get install postfix (smtp-sink is in /usr/sbin)"
need smtp-source "apt-get install postfix (smtp-source is in /usr/sbin)"
[ -x /usr/bin/time ] || missing+=("/usr/bin/time: apt-get install time")
python3 -c 'import cryptography.hazmat.primitives.serialization.pkcs7' 2>/dev/null \
    || missing+=("python3 cryptography: pip install cryptography")
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/run.sh needs, and does not install:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
PATH="$PATH:/usr/sbin"

WORK=$(mktemp -d /tmp/lncmail-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
RAW="$WORK/raw.tsv"
: > "$RAW"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }   # value of key=... in a driver's output line
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2; exit 1
}
now() { date +%s.%N; }

# --- Build ----------------------------------------------------------------------------------
say "building lncmail (release: the CLI, liblncmail.so) and the drivers"
(cd "$ROOT" && cargo build --release -q)
# The Rust driver is its own workspace (never built by cargo test); same lock file and target.
cp "$ROOT/Cargo.lock" "$BENCH/driver/Cargo.lock"
cargo build --release -q --offline --manifest-path "$BENCH/driver/Cargo.toml" --target-dir "$ROOT/target"
RUST_DRIVER="$ROOT/target/release/lncmail-bench"
LNCMAIL="$ROOT/target/release/lncmail"
cc -O2 -o "$WORK/c-driver" "$BENCH/c/driver.c" -I"$ROOT/include" -L"$ROOT/target/release" -llncmail
C_DRIVER() { LD_LIBRARY_PATH="$ROOT/target/release" "$WORK/c-driver" "$@"; }

# --- Servers --------------------------------------------------------------------------------
SINK_PORT=$(free_port)
SINK_USER=()
[ "$(id -u)" = 0 ] && SINK_USER=(-u nobody)   # smtp-sink refuses to run as root without -u
say "starting smtp-sink on 127.0.0.1:$SINK_PORT (it offers PIPELINING; discards what it gets)"
smtp-sink "${SINK_USER[@]}" "127.0.0.1:$SINK_PORT" 256 &
PIDS+=($!)
wait_port "$SINK_PORT"

PROXY_PORT=$(free_port)
say "starting a delaying TCP proxy on 127.0.0.1:$PROXY_PORT -> smtp-sink, 10 ms each way (no netem in this kernel)"
python3 "$BENCH/py/delay_proxy.py" "$PROXY_PORT" "$SINK_PORT" 10 > "$WORK/proxy.log" 2>&1 &
PIDS+=($!)
wait_port "$PROXY_PORT"

# A command file for `lncmail run`: MAILPREP, MAILTEXT (12 lines), MAILSEND per message.
script_file() {  # PORT N FILE
    python3 - "$@" <<'PY'
import sys
port, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
chunk = ("abcdefghijklmnopqrstuvwxyz0123456789 " * 2)[:57]
with open(path, "w") as f:
    f.write(f"MAILSMTP 'Server=\"127.0.0.1\";port={port};Sender=\"Bench <bench@example.com>\";Timeout=30'\n")
    for i in range(n):
        f.write(f"MAILPREP 'rcpt@example.com' 'subject=\"bench message {i}\"'\n")
        for l in range(12):
            f.write(f"MAILTEXT '{l:02} {chunk}'\n")
        f.write("MAILSEND\n")
    f.write("MAILEND\n")
PY
}
timed() {  # N COMMAND... : prints messages per second
    local n=$1; shift
    local t0 t1
    t0=$(now); "$@" > /dev/null; t1=$(now)
    python3 -c "print(f'{$n / ($t1 - $t0):.1f}')"
}

# --- 1. Throughput on loopback --------------------------------------------------------------
script_file "$SINK_PORT" "$N" "$WORK/loop.cmd"
for r in $(seq "$LOOP_ROUNDS"); do
    say "1. loopback throughput, round $r/$LOOP_ROUNDS ($N messages each)"
    record loopback "lncmail Rust API" "$("$RUST_DRIVER" throughput 127.0.0.1 "$SINK_PORT" "$N" | field per_second)" msg/s
    record loopback "lncmail C ABI" "$(C_DRIVER throughput 127.0.0.1 "$SINK_PORT" "$N" | field per_second)" msg/s
    record loopback "lncmail run (command file)" "$(timed "$N" "$LNCMAIL" run "$WORK/loop.cmd")" msg/s
    record loopback "smtp-source -s 1 -d -l 1024 (C, prebuilt data)" \
        "$(timed "$N" smtp-source -s 1 -d -m "$N" -l 1024 "127.0.0.1:$SINK_PORT")" msg/s
    record loopback "Python smtplib + EmailMessage" \
        "$(python3 "$BENCH/py/smtplib_send.py" 127.0.0.1 "$SINK_PORT" "$N" | field per_second)" msg/s
done

# --- 2. Over the 20 ms link -----------------------------------------------------------------
for r in $(seq "$LINK_ROUNDS"); do
    say "2. 20 ms link, round $r/$LINK_ROUNDS ($LINK_N messages each)"
    record link "lncmail Rust API (pipelining)" \
        "$("$RUST_DRIVER" throughput 127.0.0.1 "$PROXY_PORT" "$LINK_N" | field per_second)" msg/s
    record link "lncmail Rust API, pipelining off" \
        "$(LNCMAIL_PIPELINING=off "$RUST_DRIVER" throughput 127.0.0.1 "$PROXY_PORT" "$LINK_N" | field per_second)" msg/s
    record link "smtp-source -s 1 -d -l 1024" \
        "$(timed "$LINK_N" smtp-source -s 1 -d -m "$LINK_N" -l 1024 "127.0.0.1:$PROXY_PORT")" msg/s
    record link "Python smtplib + EmailMessage" \
        "$(python3 "$BENCH/py/smtplib_send.py" 127.0.0.1 "$PROXY_PORT" "$LINK_N" | field per_second)" msg/s
done

# --- 3. S/MIME ------------------------------------------------------------------------------
say "3. S/MIME: a throwaway RSA-2048 signer certificate (generated now, deleted at exit)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
    -subj "/CN=Bench Sender/emailAddress=bench@example.com" -addext "subjectAltName=email:bench@example.com" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" -addext "extendedKeyUsage=emailProtection" \
    -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
openssl pkcs12 -export -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -passout pass:benchpass -out "$WORK/signer.p12"
entity() {  # SIZE FILE: the MIME entity the CLI signs (same shape as the Python one)
    python3 - "$1" "$2" <<'PY'
import sys
size, path = int(sys.argv[1]), sys.argv[2]
line = b"The quick brown fox jumps over the lazy dog, again and again and again.....\r\n"
open(path, "wb").write(b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                       + line * (size // len(line) + 1))
PY
}
openssl_cms() {  # MODE IN COUNT
    local mode=$1 in=$2 count=$3 i
    for i in $(seq "$count"); do
        case $mode in
            sign) openssl cms -sign -in "$in" -signer "$WORK/cert.pem" -inkey "$WORK/key.pem" -out "$WORK/o.eml" ;;
            encrypt) openssl cms -encrypt -aes256 -in "$in" -out "$WORK/o.eml" "$WORK/cert.pem" ;;
            both) openssl cms -sign -in "$in" -signer "$WORK/cert.pem" -inkey "$WORK/key.pem" -out "$WORK/s.eml" &&
                  openssl cms -encrypt -aes256 -in "$WORK/s.eml" -out "$WORK/o.eml" "$WORK/cert.pem" ;;
        esac
    done
}
for size in 10240 1048576; do
    entity "$size" "$WORK/entity-$size"
done
for r in $(seq "$ROUNDS"); do
    say "3. S/MIME, round $r/$ROUNDS"
    for size in 10240 1048576; do
        label=$([ "$size" = 10240 ] && echo "10 KiB" || echo "1 MiB")
        count=$([ "$size" = 10240 ] && echo 200 || echo 20)
        cli_count=$([ "$size" = 10240 ] && echo 20 || echo 5)
        for mode in sign encrypt both; do
            record "smime:$mode $label" "lncmail (in-process)" \
                "$("$RUST_DRIVER" smime "$mode" "$size" "$count" "$WORK/signer.p12" benchpass | field per_second)" msg/s
            record "smime:$mode $label" "Python cryptography (in-process, S/MIME output)" \
                "$(python3 "$BENCH/py/smime.py" "$mode" "$size" "$count" "$WORK/cert.pem" "$WORK/key.pem" | field per_second)" msg/s
            t0=$(now); openssl_cms "$mode" "$WORK/entity-$size" "$cli_count"; t1=$(now)
            record "smime:$mode $label" "openssl cms CLI (a process per message)" \
                "$(python3 -c "print(f'{$cli_count / ($t1 - $t0):.1f}')")" msg/s
        done
    done
done

# --- 4. Memory ------------------------------------------------------------------------------
say "4. peak RSS with a 100 MiB attachment (GNU time, maximum resident set size)"
head -c 104857600 /dev/urandom > "$WORK/big.bin"
for kind in plain signed; do
    extra=""
    [ "$kind" = signed ] && extra=";Sign=true;Certif=\"$WORK/signer.p12\";PwdCertif=\"benchpass\""
    cat > "$WORK/big-$kind.cmd" <<CMD
MAILSMTP 'Server="127.0.0.1";port=$SINK_PORT;Sender="bench@example.com";Timeout=300$extra'
MAILPREP 'rcpt@example.com' 'subject="large attachment"'
MAILTEXT 'See the attachment.'
MAILATT '$WORK/big.bin'
MAILSEND
MAILEND
CMD
done
rss() { /usr/bin/time -f '%M' -o "$WORK/rss" "$@" > /dev/null 2>&1; python3 -c "print(f'{$(cat "$WORK/rss") / 1024:.1f}')"; }
for r in 1 2; do
    record memory "lncmail run, plain" "$(rss "$LNCMAIL" run "$WORK/big-plain.cmd")" MiB
    record memory "lncmail run, signed" "$(rss "$LNCMAIL" run "$WORK/big-signed.cmd")" MiB
    record memory "Python smtplib + email" "$(rss python3 "$BENCH/py/big_attachment.py" 127.0.0.1 "$SINK_PORT" "$WORK/big.bin")" MiB
done

# --- 5. lnc_cmd -----------------------------------------------------------------------------
say "5. lnc_cmd cost"
for r in $(seq "$ROUNDS"); do
    record cmd "lnc_cmd MAILSUBJ" "$(C_DRIVER cmdcost 1000000 | field ns_per_call)" ns
done

# --- Table ----------------------------------------------------------------------------------
{
    echo "# lncmail benchmark results"
    echo
    echo "Produced by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "- Machine: $(uname -srm); $(nproc) CPUs; $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
    echo "- lncmail $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $(python3 --version);" \
         "cryptography $(python3 -c 'import cryptography; print(cryptography.__version__)'); $(openssl version | cut -d' ' -f1-2)"
    echo "- Rounds interleaved: $LOOP_ROUNDS (loopback), $ROUNDS (S/MIME, lnc_cmd), $LINK_ROUNDS (20 ms link), 2 (memory);" \
         "$N messages per loopback run, $LINK_N per link run. Medians; ratios from this run."
    echo "- Higher is better for msg/s. The ratio columns say how many times faster (or, for memory, how much"
    echo "  larger) than the first row: as a ratio of the medians, and as the median of the ratios within each"
    echo "  round (contenders of a round run back to back, so this one shrugs off a load burst on one run)."
} > "$WORK/header.md"
python3 "$BENCH/py/report.py" "$RAW" "$WORK/header.md" > "$BENCH/results.md"
cp "$RAW" "$BENCH/results.tsv"
cat "$BENCH/results.md"
