#!/usr/bin/env python3
"""Turns `perf script` output (perf record -g of a process started with DOTNET_PerfMapEnabled=1) into folded stacks and
a self-contained SVG flame graph, with no tool beyond Python. The JIT's tier suffixes and assembly names are dropped so
that a method reads the same before and after a change.

usage: perf script -i perf.data | tests/benchmarks/profiles/flamegraph.py OUTPUT.svg [OUTPUT.folded] [--title TEXT]
"""
import collections
import html
import re
import sys

FRAME_WIDTH_PIXELS = 1600
FRAME_HEIGHT_PIXELS = 16
# Frames narrower than this share of the samples are left out of the picture (they stay in the folded file).
NARROWEST_FRACTION = 0.001


def clean(symbol):
    symbol = re.sub(r"\[(OptimizedTier1|Optimized|Tier0|Tier1|QuickJitted|InstrumentedTier|PreJIT)[^\]]*\]", "", symbol)
    symbol = re.sub(r"\[[A-Za-z0-9_.]+\] ", "", symbol)
    symbol = re.sub(r"\b(instance|class|valuetype) ", "", symbol)
    symbol = re.sub(r"\([^()]*\)$", "", symbol.strip())
    symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol)
    return symbol.replace(";", ",")[:160] or "[unknown]"


def fold(lines):
    stacks = collections.Counter()
    thread, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if thread is not None:
                stacks[";".join([thread] + list(reversed(frames)))] += 1
            thread, frames = None, []
        elif not line.startswith((" ", "\t")):
            # "comm tid [cpu] time: period event:" - the thread name may hold spaces.
            thread = re.split(r"\s+\d+(/\d+)?\s+(\[\d+\]\s+)?\d+\.\d+:", line)[0].strip() or "?"
        else:
            parts = line.strip().split(" ", 1)
            symbol = parts[1] if len(parts) > 1 else parts[0]
            frames.append(clean(re.sub(r"\s+\([^)]*\)$", "", symbol)))
    if thread is not None:
        stacks[";".join([thread] + list(reversed(frames)))] += 1
    return stacks


def svg(stacks, title):
    total = sum(stacks.values()) or 1
    root = {"children": {}, "count": 0}
    for stack, count in stacks.items():
        node = root
        node["count"] += count
        for frame in stack.split(";"):
            node = node["children"].setdefault(frame, {"children": {}, "count": 0})
            node["count"] += count
    rectangles = []
    depth_max = [0]

    def place(node, name, x, depth):
        width = node["count"] / total
        if width < NARROWEST_FRACTION:
            return
        depth_max[0] = max(depth_max[0], depth)
        rectangles.append((x, depth, width, name, node["count"]))
        child_x = x
        for child_name, child in sorted(node["children"].items()):
            place(child, child_name, child_x, depth + 1)
            child_x += child["count"] / total

    place(root, "all", 0.0, 0)
    height = (depth_max[0] + 3) * FRAME_HEIGHT_PIXELS
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{FRAME_WIDTH_PIXELS}" height="{height}" font-family="monospace" font-size="11">',
           f'<text x="4" y="12">{html.escape(title)} ({total} samples)</text>']
    for x, depth, width, name, count in rectangles:
        left = x * FRAME_WIDTH_PIXELS
        top = height - (depth + 1) * FRAME_HEIGHT_PIXELS
        pixels = width * FRAME_WIDTH_PIXELS
        hue = 20 + (hash(name) % 40)
        label = f"{name} ({count} samples, {100 * count / total:.2f}%)"
        out.append(f'<g><title>{html.escape(label)}</title><rect x="{left:.1f}" y="{top}" width="{max(pixels - 0.5, 0.5):.1f}" '
                   f'height="{FRAME_HEIGHT_PIXELS - 1}" fill="hsl({hue},80%,60%)"/>')
        if pixels > 40:
            text = name[: int(pixels / 7)]
            out.append(f'<text x="{left + 2:.1f}" y="{top + 11}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def main():
    arguments = sys.argv[1:]
    title = "flame graph"
    if "--title" in arguments:
        index = arguments.index("--title")
        title = arguments[index + 1]
        del arguments[index:index + 2]
    if not arguments:
        sys.exit(__doc__)
    stacks = fold(sys.stdin)
    with open(arguments[0], "w", encoding="utf-8") as file:
        file.write(svg(stacks, title))
    if len(arguments) > 1:
        with open(arguments[1], "w", encoding="utf-8") as file:
            for stack, count in stacks.most_common():
                file.write(f"{stack} {count}\n")


if __name__ == "__main__":
    main()
