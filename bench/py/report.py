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
    for section, contenders in values.items():
        key = section.split(":")[0]
        sub = section.split(":", 1)[1] if ":" in section else ""
        title = TITLES.get(key, section)
        print(f"### {title}{(' - ' + sub) if sub else ''}\n")
        first = next(iter(contenders))
        base = statistics.median(contenders[first])
        lower_is_better = units[(section, first)] in ("MiB", "ns")
        print(f"| contender | median | unit | rounds | min - max | {first} vs it |")
        print("|---|---:|---|---:|---|---:|")
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
            print(f"| {contender} | {m:.1f} | {unit} | {len(vs)} | {min(vs):.1f} - {max(vs):.1f} | {ratio} |")
        print()


if __name__ == "__main__":
    main()
