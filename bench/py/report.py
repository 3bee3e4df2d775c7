"""Turns bench/run.sh's raw measurements into the Markdown table: medians of the interleaved
rounds, and ratios of medians measured in the same run.

    python3 report.py RAW_FILE HEADER_FILE > results.md

RAW_FILE lines: `section<TAB>contender<TAB>value<TAB>unit`. The first contender of a section is
the one the ratios are taken against (lncmail), unless a line `ratio<TAB>section<TAB>a<TAB>b`
asks for a specific pair.
"""
import statistics
import sys
from collections import OrderedDict

TITLES = {
    "loopback": "1. Throughput on loopback (messages of about 1 KiB, one session)",
    "link": "2. Throughput over a 20 ms round trip (delaying proxy)",
    "smime": "3. S/MIME in-process and CLI (messages per second)",
    "memory": "4. Peak RSS sending one message with a 100 MiB attachment",
    "cmd": "5. Cost of one lnc_cmd call (MAILSUBJ, small)",
}


def main():
    raw, header = sys.argv[1], sys.argv[2]
    values = OrderedDict()
    units = {}
    for line in open(raw):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 4:
            continue
        section, contender, value, unit = parts
        values.setdefault(section, OrderedDict()).setdefault(contender, []).append(float(value))
        units[(section, contender)] = unit
    print(open(header).read())
    floors(values)
    for section, contenders in values.items():
        key = section.split(":")[0]
        sub = section.split(":", 1)[1] if ":" in section else ""
        title = TITLES.get(key, section)
        print(f"### {title}{(' - ' + sub) if sub else ''}\n")
        first = next(iter(contenders))
        base = statistics.median(contenders[first])
        lower_is_better = units[(section, first)] in ("MiB", "ns")
        print(f"| contender | median | unit | rounds | min - max | {first} vs it (ratio of medians) | per-round ratios, median |")
        print("|---|---:|---|---:|---|---:|---:|")
        for contender, vs in contenders.items():
            m = statistics.median(vs)
            unit = units[(section, contender)]
            if contender == first:
                ratio = "-"
            elif lower_is_better:
                ratio = f"{m / base:.2f}x smaller" if base else "-"
            else:
                ratio = f"{base / m:.2f}x" if m else "-"
            if key == "memory":
                ratio = f"{m / 100:.2f}x the attachment" + ("" if contender == first else f"; {m / base:.2f}x {first}")
            # The rounds are interleaved, so round i of every contender ran under about the same
            # load: the ratio within each round, then its median, resists a burst of load that
            # hits one contender's run.
            paired = "-"
            if contender != first and len(vs) == len(contenders[first]):
                if lower_is_better:
                    per_round = [v / b for v, b in zip(vs, contenders[first]) if b]
                else:
                    per_round = [b / v for v, b in zip(vs, contenders[first]) if v]
                if per_round:
                    paired = f"{statistics.median(per_round):.2f}x"
            print(f"| {contender} | {m:.1f} | {unit} | {len(vs)} | {min(vs):.1f} - {max(vs):.1f} | {ratio} | {paired} |")
        print()


def pair(values, section, a, b):
    """(ratio of medians, median of per-round ratios) of a over b, or None if not measured."""
    rows = values.get(section, {})
    if a not in rows or b not in rows:
        return None
    va, vb = rows[a], rows[b]
    per_round = [x / y for x, y in zip(va, vb) if y]
    return statistics.median(va) / statistics.median(vb), statistics.median(per_round) if per_round else float("nan")


def floors(values):
    """The floors of issue 8, each as a ratio from this run."""
    api, cabi, cli = "lncmail Rust API", "lncmail C ABI", "lncmail run (command file)"
    source, py = "smtp-source -s 1 -d -l 1024 (C, prebuilt data)", "Python smtplib + EmailMessage"
    rows = []
    for who in (api, cabi, cli):
        rows.append((f"loopback: {who} >= 0.8x smtp-source -d", pair(values, "loopback", who, source), 0.8, True))
        rows.append((f"loopback: {who} >= 2.5x Python smtplib", pair(values, "loopback", who, py), 2.5, True))
    rows.append(("20 ms link: pipelining >= 1.8x pipelining off",
                 pair(values, "link", "lncmail Rust API (pipelining)", "lncmail Rust API, pipelining off"), 1.8, True))
    rows.append(("S/MIME sign 1 MiB >= 5x Python cryptography",
                 pair(values, "smime:sign 1 MiB", "lncmail (in-process)", "Python cryptography (in-process, S/MIME output)"), 5, True))
    mem = values.get("memory", {}).get("lncmail run, plain")
    print("### Floors (issue 8)\n")
    print("| floor | ratio of medians | median of per-round ratios | met |")
    print("|---|---:|---:|---|")
    for name, r, limit, higher in rows:
        if r is None:
            print(f"| {name} | not measured | | |")
            continue
        met = "yes" if min(r) >= limit else "NO"
        print(f"| {name} | {r[0]:.2f}x | {r[1]:.2f}x | {met} |")
    if mem:
        m = statistics.median(mem) / 100
        print(f"| peak RSS, plain 100 MiB attachment <= 3x the attachment | {m:.2f}x | | {'yes' if m <= 3 else 'NO'} |")
    print()


if __name__ == "__main__":
    main()
