"""Compare the results of two runs of a study, provenance dates and timings aside.

Used to check that a refactor changes no number and that an interrupted run,
once completed, equals an uninterrupted one::

    python benchmarks/compare_results.py RUN_A RUN_B [--only compare baselines]

Every ``results/**/*.json`` and ``*.csv`` of the first run must exist in the
second with equal content. Ignored: ``date`` inside ``provenance``, CSV columns
that are wall-clock timings (``duration_s``), and the run directories inside
strings (absolute paths). Numbers must be equal (``--rtol`` allows a relative
tolerance). Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

#: CSV columns that hold wall-clock times, which differ between any two runs.
TIMING_COLUMNS = ("duration_s",)


def _normalize(value, roots):
    """Drop provenance dates; replace run directories in strings by '<run>'."""
    if isinstance(value, dict):
        return {k: _normalize(v, roots) for k, v in value.items()
                if not (k == "date" and "versions" in value)}
    if isinstance(value, list):
        return [_normalize(v, roots) for v in value]
    if isinstance(value, str):
        for root in roots:
            value = value.replace(root, "<run>")
    return value


def diff(a, b, *, rtol: float = 0.0, where: str = "") -> list[str]:
    """Differences between two JSON values, as 'path: a != b' lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: missing in second run" for k in a.keys() - b.keys()]
        out += [f"{where}.{k}: only in second run" for k in b.keys() - a.keys()]
        for k in a.keys() & b.keys():
            out += diff(a[k], b[k], rtol=rtol, where=f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += diff(x, y, rtol=rtol, where=f"{where}[{i}]")
        return out
    real = (int, float)
    if (isinstance(a, real) and isinstance(b, real)
            and not isinstance(a, bool) and not isinstance(b, bool)):
        if (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=0):
            return []
        return [f"{where}: {a!r} != {b!r}"]
    return [] if a == b else [f"{where}: {str(a)[:80]!r} != {str(b)[:80]!r}"]


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS}
                for row in csv.DictReader(f)]


def _read(path: Path, roots):
    if path.suffix == ".csv":
        return _read_csv(path)
    return _normalize(json.loads(path.read_text()), roots)


def compare_runs(first, second, *, only=None, rtol: float = 0.0) -> dict:
    """Compare every results file of run ``first`` with the same file of ``second``.

    Parameters
    ----------
    first, second : path-like
        Working directories of the two runs (holding ``results/``).
    only : sequence of str | None
        Result folders to compare (e.g. ``["compare"]``); None: all.
    rtol : float
        Relative tolerance of numbers.

    Returns
    -------
    report : dict
        ``files`` (number compared) and ``differences`` (file -> list of lines).
    """
    first, second = Path(first), Path(second)
    roots = sorted({str(first.resolve()), str(second.resolve()), str(first),
                    str(second)}, key=len, reverse=True)
    files = sorted(p.relative_to(first) for p in (first / "results").rglob("*")
                   if p.suffix in (".json", ".csv") and "benchmarks" not in p.parts)
    if only:
        files = [f for f in files if f.parts[1] in only]
    differences = {}
    for rel in files:
        other = second / rel
        if not other.is_file():
            differences[str(rel)] = ["missing in second run"]
            continue
        lines = diff(_read(first / rel, roots), _read(other, roots), rtol=rtol)
        if lines:
            differences[str(rel)] = lines
    return {"files": len(files), "differences": differences}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--only", nargs="*", help="result folders, e.g. compare metrics")
    parser.add_argument("--rtol", type=float, default=0.0)
    args = parser.parse_args(argv)
    report = compare_runs(args.first, args.second, only=args.only, rtol=args.rtol)
    for name, lines in report["differences"].items():
        print(f"{name}: {len(lines)} difference(s)")
        for line in lines[:10]:
            print("   ", line)
    print(f"{report['files']} files compared, {len(report['differences'])} differ")
    return 1 if report["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
