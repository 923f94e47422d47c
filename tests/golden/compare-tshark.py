#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Compare tunlab's decoded fields with tshark's on one capture.
# usage: compare-tshark.py TUNLAB CAPTURE FIELDS.txt
# Prints one line per mismatch and exits 1 if there is any.
import subprocess
import sys

tunlab, capture, fields_file = sys.argv[1:4]
pairs = []
for line in open(fields_file):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    ours, _, theirs = line.partition("=")
    pairs.append((ours, theirs or ours))

# IP reassembly off: tshark then shows each fragment as it is, as we do.
ts = subprocess.run(
    ["tshark", "-r", capture, "-T", "fields", "-E", "separator=\t",
     "-E", "occurrence=a", "-E", "aggregator=,",
     "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"] +
    [a for _, t in pairs for a in ("-e", t)],
    capture_output=True, text=True)
if ts.returncode != 0:
    print("tshark failed: " + ts.stderr.strip())
    sys.exit(1)
tl = subprocess.run([tunlab, "dissect", "--fields",
                     ",".join(o for o, _ in pairs), capture],
                    capture_output=True, text=True)
if tl.returncode != 0:
    print("tunlab dissect failed: " + tl.stderr.strip())
    sys.exit(1)


def norm(v):
    """One value: numbers by value (tshark mixes hex and decimal), the
    rest case-folded."""
    v = v.strip()
    try:
        return int(v, 16) if v.lower().startswith("0x") else int(v, 10)
    except ValueError:
        pass
    if v.lower() in ("true", "set"):
        return 1
    if v.lower() in ("false", "not set"):
        return 0
    return v.lower()


def values(cell):
    return [norm(x) for x in cell.split(",")] if cell else []


ts_lines = ts.stdout.rstrip("\n").split("\n")
tl_lines = tl.stdout.rstrip("\n").split("\n")
bad = 0
if len(ts_lines) != len(tl_lines):
    print("frame count: tunlab %d, tshark %d" % (len(tl_lines),
                                                 len(ts_lines)))
    sys.exit(1)
compared = 0
for n, (a, b) in enumerate(zip(tl_lines, ts_lines), 1):
    ours = a.split("\t")
    theirs = b.split("\t")
    for i, (o, t) in enumerate(pairs):
        mine = values(ours[i] if i < len(ours) else "")
        ref = values(theirs[i] if i < len(theirs) else "")
        if mine != ref:
            print("frame %d %s: tunlab %r, tshark %r" %
                  (n, o, ours[i] if i < len(ours) else "",
                   theirs[i] if i < len(theirs) else ""))
            bad += 1
        elif ref:
            compared += 1
print("%d frames, %d field values agree, %d differ" %
      (len(ts_lines), compared, bad))
sys.exit(1 if bad or compared == 0 else 0)
