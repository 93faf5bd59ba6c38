#!/usr/bin/env python3
"""tools/pagemap.py - turn an mmkern serial log into PNG pictures.

Reads the PAGEMAP blocks that CMDLINE=pagemap prints (line format in kernel/pagemap.c) and the
REPLAY-CLASS / REPLAY lines of CMDLINE=replay (kernel/replay.c), and writes:
  pagemap-<label>.png   one cell per 4 KiB frame, 512 frames (2 MiB) per row, coloured by
                        state (free blocks shaded by order), zone boundaries marked: all of
                        memory to scale, and beside it only the rows where something other
                        than reserved frames and free order-9/10 blocks lives;
  mobility-<prefix>.png for a pair of maps labelled <prefix>-before-compact and
                        <prefix>-after-compact (the churn test's, CMDLINE="ktest=churn*
                        pagemap"): both side by side, each frame coloured by its pageblock's
                        migratetype (PAGEMAP pageblock lines), dark when used, light when free;
  waste-<module>.png    internal waste (ksize - requested bytes) by size class of a replayed
                        trace, with each class's waste in percent.
Prints the path of every file it writes. With --check it only parses the log (no matplotlib
needed), checks that every map covers its frames once, and prints what it found.

usage: tools/pagemap.py [--check] [-o OUTDIR] SERIAL_LOG
"""
import argparse
import os
import re
import sys

ROW_FRAMES = 512  # frames per picture row: 2 MiB
DETAIL_ROWS = 160  # most rows in the detail panel

# Cell codes: 0 hole, 1 reserved, 2..12 free order 0..10, 13 pcp, 14 slab, 15 large, 16 pages,
# 17 unknown, 18 past max_pfn (padding of the last row).
FREE0, PCP, SLAB, LARGE, PAGES, UNKNOWN, PAD = 2, 13, 14, 15, 16, 17, 18
STATE_CODES = {"hole": 0, "reserved": 1, "pcp": PCP, "slab": SLAB, "large": LARGE,
               "pages": PAGES, "unknown": UNKNOWN}


class PagemapError(Exception):
    """A malformed or inconsistent PAGEMAP block."""


class Pagemap:
    """One PAGEMAP block: label, max_pfn, zones [(name, start, end)], runs [(pfn, n, state,
    arg)] and the frame counts of its end line."""

    def __init__(self, label, max_pfn):
        self.label, self.max_pfn = label, max_pfn
        self.zones, self.runs, self.counts = [], [], {}
        self.pageblocks = []            # [(start pfn, pageblocks, migratetype)]

    def check(self):
        """Raise PagemapError unless the runs cover [0, max_pfn) in order, without gaps."""
        pfn = 0
        for start, count, state, _ in self.runs:
            if start != pfn or count <= 0:
                raise PagemapError(f"{self.label}: run at {start:#x}, expected {pfn:#x}")
            if state not in STATE_CODES and state != "free":
                raise PagemapError(f"{self.label}: unknown state {state!r}")
            pfn += count
        if pfn != self.max_pfn:
            raise PagemapError(f"{self.label}: runs end at {pfn:#x}, max_pfn {self.max_pfn:#x}")

    def frames(self, state):
        """Frames in state, from the runs."""
        return sum(r[1] for r in self.runs if r[2] == state)


def parse_log(path):
    """Return (pagemaps, classes, summaries) from the serial log at path. classes maps a
    module to [(class, objs, req, alloc)], summaries a module to its REPLAY key=value dict."""
    maps, classes, summaries, cur = [], {}, {}, None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            words = line.split()
            if not words:
                continue
            if words[0] == "PAGEMAP":
                cur = parse_pagemap_line(words, cur, maps)
            elif words[0] == "REPLAY-CLASS" and len(words) == 6:
                kv = dict(w.split("=", 1) for w in words[3:])
                classes.setdefault(words[1], []).append(
                    (words[2], int(kv["objs"]), int(kv["req_bytes"]), int(kv["alloc_bytes"])))
            elif words[0] == "REPLAY" and len(words) > 2 and "result=ok" in words:
                summaries[words[1]] = dict(w.split("=", 1) for w in words[2:] if "=" in w)
    if cur is not None:
        raise PagemapError(f"{cur.label}: no end line (log cut short?)")
    return maps, classes, summaries


def parse_pagemap_line(words, cur, maps):
    """Apply one PAGEMAP line to the block being read (cur); returns the new current block."""
    kind = words[1]
    if kind == "begin":
        fields = dict(w.split("=", 1) for w in words[3:] if "=" in w)
        return Pagemap(words[2], int(fields["max_pfn"], 16))
    if cur is None:
        raise PagemapError(f"PAGEMAP line outside a block: {' '.join(words)}")
    if kind == "zone":
        cur.zones.append((words[2], int(words[3], 16), int(words[4], 16)))
    elif kind == "pageblock":
        cur.pageblocks.append((int(words[2], 16), int(words[3]), words[4]))
    elif kind == "end":
        cur.counts = {k: int(v) for k, v in (w.split("=", 1) for w in words[3:] if "=" in w)}
        cur.check()
        maps.append(cur)
        return None
    else:
        arg = words[4] if len(words) > 4 else ""
        cur.runs.append((int(words[1], 16), int(words[2]), words[3], arg))
    return cur


def safe_name(s):
    """s as a file-name part."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", s)


def cell_code(state, arg):
    """The colour code of a run."""
    if state == "free":
        return FREE0 + min(int(arg), 10)
    return STATE_CODES.get(state, UNKNOWN)


def colours():
    """Colour and legend label of every cell code."""
    import matplotlib

    greens = matplotlib.colormaps["Greens"]
    table = ["#ffffff", "#7f7f7f"] + [greens(0.3 + 0.65 * o / 10) for o in range(11)] + \
        ["#e6f5a0", "#1f77b4", "#9467bd", "#ff7f0e", "#d62728", "#ffffff"]
    labels = ["hole (no RAM)", "reserved"] + [f"free in the buddy, order {o}" for o in range(11)] + \
        ["free on a per-CPU list", "slab", "large kmalloc", "alloc_pages", "unknown", ""]
    return table, labels


def frame_grid(pm):
    """The cell codes of pm as a rows x ROW_FRAMES array (the last row padded)."""
    import numpy as np

    rows = (pm.max_pfn + ROW_FRAMES - 1) // ROW_FRAMES
    cells = np.full(rows * ROW_FRAMES, PAD, dtype=np.uint8)
    for start, count, state, arg in pm.runs:
        cells[start:start + count] = cell_code(state, arg)
    return cells.reshape(rows, ROW_FRAMES)


def busy_rows(grid, limit=DETAIL_ROWS):
    """Rows holding anything but reserved frames, holes and free blocks of order 9 or 10 (the
    first `limit` of them)."""
    import numpy as np

    boring = np.isin(grid, [0, 1, FREE0 + 9, FREE0 + 10, PAD])
    return np.nonzero(~boring.all(axis=1))[0][:limit]


def draw_rows(ax, grid, rows, table):
    """Show the given rows of grid, one above the other, labelled with their address (MiB)."""
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.imshow(grid[rows], cmap=ListedColormap(table), vmin=0, vmax=len(table) - 1,
              interpolation="nearest", aspect="auto")
    ax.set_xlabel(f"frame within the row ({ROW_FRAMES} frames = 2 MiB)", fontsize=8)
    if len(rows) == grid.shape[0]:		# all rows: a linear scale
        ax.yaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{int(y) * ROW_FRAMES * 4 // 1024}"))
        ax.tick_params(axis="y", labelsize=8)
        return
    ticks = np.unique(np.linspace(0, len(rows) - 1, num=min(len(rows), 12), dtype=int))
    ax.set_yticks(ticks, [f"{rows[t] * ROW_FRAMES * 4 // 1024}" for t in ticks], fontsize=8)


def mark_zones(ax, pm, rows):
    """A dashed line and the zone's name at the first shown row of each zone (names that
    would overlap the previous one move right)."""
    last, x = None, 4
    for zname, start, end in pm.zones:
        shown = [i for i, r in enumerate(rows) if r >= start // ROW_FRAMES]
        if not shown or rows[shown[0]] * ROW_FRAMES >= end:
            continue
        x = x + 200 if last is not None and shown[0] - last < len(rows) / 25 else 4
        last = shown[0]
        ax.axhline(shown[0] - 0.5, color="black", linewidth=0.8, linestyle="--")
        ax.text(x, shown[0] - 0.4, f"{zname} [{start * 4 // 1024} MiB, "
                f"{min(end, pm.max_pfn) * 4 // 1024} MiB)", va="top", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "pad": 1, "linewidth": 0})


def mark_gaps(ax, rows):
    """A white line between shown rows that are not neighbours in memory."""
    for i in range(1, len(rows)):
        if rows[i] != rows[i - 1] + 1:
            ax.axhline(i - 0.5, color="white", linewidth=1.2)


def draw_pagemap(pm, outdir):
    """Write the frame map of pm (whole memory, and the busy rows in detail); returns the
    file name."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    import numpy as np

    grid = frame_grid(pm)
    table, labels = colours()
    all_rows, busy = np.arange(grid.shape[0]), busy_rows(grid)
    fig, axes = plt.subplots(1, 2 if len(busy) else 1, figsize=(14, 8), squeeze=False)
    draw_rows(axes[0][0], grid, all_rows, table)
    mark_zones(axes[0][0], pm, all_rows)
    axes[0][0].set_ylabel("physical address (MiB)")
    axes[0][0].set_title("all of memory, to scale", fontsize=9)
    if len(busy):
        draw_rows(axes[0][1], grid, busy, table)
        mark_zones(axes[0][1], pm, busy)
        mark_gaps(axes[0][1], busy)
        axes[0][1].set_title(f"detail: the {len(busy)} rows with anything but reserved frames "
                             "and free order-9/10 blocks (white line: rows skipped)", fontsize=9)
    used = sorted(set(np.unique(grid).tolist()) - {PAD})
    fig.legend(handles=[Patch(facecolor=table[c], edgecolor="#999999", label=labels[c])
                        for c in used], loc="center left", bbox_to_anchor=(0.91, 0.5), fontsize=8)
    fig.suptitle(f"mmkern frame map '{pm.label}': {pm.max_pfn} frames; "
                 f"{pm.frames('free') + pm.frames('pcp')} free, {pm.frames('slab')} slab, "
                 f"{pm.frames('large')} large kmalloc, {pm.frames('pages')} alloc_pages, "
                 f"{pm.frames('reserved')} reserved", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.9, wspace=0.15)
    name = os.path.join(outdir, f"pagemap-{safe_name(pm.label)}.png")
    fig.savefig(name, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return name


MOBILITY = ["Unmovable", "Movable", "Reclaimable"]


def mobility_grid(pm):
    """Codes of pm per frame as rows x ROW_FRAMES: 0 hole/padding, 1 reserved, then for each
    migratetype t: 2 + 2t used, 3 + 2t free."""
    import numpy as np

    rows = (pm.max_pfn + ROW_FRAMES - 1) // ROW_FRAMES
    mt = np.full(rows * ROW_FRAMES, -1, dtype=np.int16)
    for start, count, name in pm.pageblocks:
        mt[start:start + count * ROW_FRAMES] = MOBILITY.index(name) if name in MOBILITY else -1
    cells = np.zeros(rows * ROW_FRAMES, dtype=np.uint8)
    for start, count, state, _ in pm.runs:
        if state == "hole":
            continue
        if state == "reserved":
            cells[start:start + count] = 1
            continue
        t = mt[start:start + count]
        free = 1 if state in ("free", "pcp") else 0
        cells[start:start + count] = np.where(t >= 0, 2 + 2 * t + free, 1)
    return cells.reshape(rows, ROW_FRAMES)


def draw_mobility(prefix, before, after, outdir):
    """The two maps side by side, coloured by migratetype; returns the file name."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    import numpy as np

    table = ["#ffffff", "#7f7f7f", "#d62728", "#f7b6b6", "#1f5fb4", "#b9d3f0", "#2ca02c", "#b7e4b0"]
    labels = ["hole", "reserved", "unmovable pageblock, used", "unmovable pageblock, free",
              "movable pageblock, used", "movable pageblock, free",
              "reclaimable pageblock, used", "reclaimable pageblock, free"]
    fig, axes = plt.subplots(1, 2, figsize=(14, 8))
    used = set()
    for ax, pm, title in ((axes[0], before, "before compaction"), (axes[1], after, "after compaction")):
        grid = mobility_grid(pm)
        used |= set(np.unique(grid).tolist())
        ax.imshow(grid, cmap=ListedColormap(table), vmin=0, vmax=len(table) - 1,
                  interpolation="nearest", aspect="auto")
        ax.set_xlabel(f"frame within the row ({ROW_FRAMES} frames = one 2 MiB pageblock)", fontsize=8)
        ax.set_ylabel("physical address (MiB)", fontsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda y, _: f"{int(y) * ROW_FRAMES * 4 // 1024}"))
        free = pm.frames("free") + pm.frames("pcp")
        ax.set_title(f"{title}: {free} frames free", fontsize=9)
    fig.legend(handles=[Patch(facecolor=table[c], edgecolor="#999999", label=labels[c])
                        for c in sorted(used)], loc="center left", bbox_to_anchor=(0.91, 0.5),
               fontsize=8)
    fig.suptitle(f"mmkern frames by migratetype, '{prefix}' before and after compaction "
                 "(one row per pageblock)", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.9, wspace=0.15)
    name = os.path.join(outdir, f"mobility-{safe_name(prefix)}.png")
    fig.savefig(name, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return name


def compaction_pairs(maps):
    """[(prefix, before, after)] for maps labelled <prefix>-before-compact / -after-compact."""
    by = {m.label: m for m in maps}
    return [(m.label[:-len("-before-compact")], m, by[m.label.replace("-before-", "-after-")])
            for m in maps if m.label.endswith("-before-compact")
            and m.label.replace("-before-", "-after-") in by and m.pageblocks]


def class_key(label):
    """Sort kmalloc classes by size, then large, caches and pages."""
    m = re.fullmatch(r"kmalloc-(\d+)", label)
    if m:
        return (0, int(m.group(1)), "")
    return ({"large": 1, "pages": 3}.get(label, 2), 0, label)


def draw_waste(module, rows, summary, outdir):
    """Write the waste chart of one replayed module; returns the file name."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(rows, key=lambda r: class_key(r[0]))
    labels = [r[0].replace("kmalloc-", "") for r in rows]
    waste = [(r[3] - r[2]) / 1024 for r in rows]
    fig, ax = plt.subplots(figsize=(max(8, 0.28 * len(rows) + 3), 5))
    bars = ax.bar(range(len(rows)), waste, color="#ff7f0e")
    for bar, r in zip(bars, rows):
        pct = 100 * (r[3] - r[2]) / r[3] if r[3] else 0
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{pct:.1f}%",
                ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks(range(len(rows)), labels, rotation=90, fontsize=7)
    ax.set_xlabel("size class (kmalloc class in bytes; large = above 8 KiB, whole pages)")
    ax.set_ylabel("internal waste over all allocations (KiB)")
    total = summary.get("internal_waste_pct", "?")
    ax.set_title(f"{module}: ksize - requested bytes by size class (overall {total}%; "
                 f"label: the class's own waste)", fontsize=10)
    ax.margins(y=0.15)
    name = os.path.join(outdir, f"waste-{safe_name(module)}.png")
    fig.savefig(name, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return name


def main():
    """Parse the log named on the command line; check it or draw it. Returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log", help="serial log of a boot with CMDLINE=pagemap and/or replay")
    ap.add_argument("-o", "--outdir", default="build", help="where the PNGs go (default build)")
    ap.add_argument("--check", action="store_true", help="only parse and check the log")
    args = ap.parse_args()
    try:
        maps, classes, summaries = parse_log(args.log)
    except (OSError, PagemapError, ValueError, KeyError, IndexError) as e:
        print(f"pagemap.py: {args.log}: {e}", file=sys.stderr)
        return 1
    if not maps and not classes:
        print(f"pagemap.py: {args.log}: no PAGEMAP block and no REPLAY-CLASS line "
              "(boot with CMDLINE=\"replay pagemap\")", file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(maps)} frame maps ({', '.join(m.label for m in maps)}), "
              f"{len(classes)} replayed modules with size classes")
        return 0
    os.makedirs(args.outdir, exist_ok=True)
    for pm in maps:
        print(f"pagemap.py: wrote {draw_pagemap(pm, args.outdir)}")
    for prefix, before, after in compaction_pairs(maps):
        print(f"pagemap.py: wrote {draw_mobility(prefix, before, after, args.outdir)}")
    for module, rows in classes.items():
        print(f"pagemap.py: wrote {draw_waste(module, rows, summaries.get(module, {}), args.outdir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
