#!/usr/bin/env python3
"""List (and check) the PromQL expressions of the teleinfo Grafana dashboard.

Grafana itself is not available to CI, so this script does the part of its job that can go
wrong silently: it prints every panel target and annotation expression with the dashboard
variables replaced by concrete values, one expression per line, ready to be sent to a real
Prometheus query API (or wrapped into a rule file for `promtool check rules`).

  panel-queries.py [DASHBOARD] [--meter NAME] [--rate-interval 1m] [--interval 1m]
                   [--range 1h] [--check] [--check-names [METRICS_MD]] [--labelled]

--check         structural checks: unique panel ids, gridPos on every panel (inside the
                24-column grid, no overlap), a datasource on every non-row panel and query,
                unique refIds, a `meter` query variable and a datasource variable, no unknown
                `$variable` left after substitution.
--check-names   every `teleinfo_*` name used by a query or variable must be listed (in
                backticks) in the metrics catalogue, docs/metrics.md by default.
Exit status: 0 when all requested checks pass, 1 otherwise (problems on stderr).
Python 3 standard library only.
"""

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DASHBOARD = HERE / "dashboards" / "teleinfo.json"
DEFAULT_METRICS_MD = REPO / "docs" / "metrics.md"
# Used only when the repository copy is missing (the catalogue's origin, outside the repo).
FALLBACK_METRICS_MD = [REPO.parent / "shared" / "docs" / "metrics.md",
                       Path("/work/shared/docs/metrics.md")]

GRID_COLUMNS = 24
# Grafana's built-in variables that the dashboard may use in queries.
BUILTIN_VARS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
                "__range_ms"}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
NAME_RE = re.compile(r"(?<![\w:])(teleinfo_[A-Za-z0-9_]+)")
STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def parse_duration(text):
    """Seconds in a Prometheus-style duration such as 1m, 90s, 1h30m, 1d."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r}")
    return text, sum(int(n) * units[u] for n, u in parts)


def walk_panels(panels):
    """Every panel, including those nested in collapsed rows."""
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def queries(dashboard):
    """(where, expr, datasource, min interval) for every PromQL expression of panels and
    annotations."""
    for panel in walk_panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []) or []:
            if target.get("hide"):
                continue
            where = f"panel {panel.get('id')} {panel.get('title', '')!r} ref {target.get('refId')}"
            yield (where, target.get("expr", ""),
                   target.get("datasource") or panel.get("datasource"),
                   target.get("interval") or panel.get("interval") or "")
    for anno in dashboard.get("annotations", {}).get("list", []):
        if anno.get("builtIn"):
            continue  # Grafana's own annotation store, no PromQL
        # Current Grafana keeps the query in `target`; older dashboards had `expr`/`step` at
        # the top level, which Grafana migrates into `target` when it loads them.
        target = anno.get("target") or {}
        expr = target.get("expr") or anno.get("expr", "")
        step = target.get("interval") or anno.get("step", "")
        yield f"annotation {anno.get('name')!r}", expr, anno.get("datasource"), step


def substitute(expr, values):
    """Replace $var, ${var}, ${var:fmt} and [[var]] with concrete values; unknown ones stay."""
    def repl(match):
        name = next(g for g in match.groups() if g)
        return values.get(name, match.group(0))
    return VAR_RE.sub(repl, expr)


def one_line(expr):
    # Line breaks in the dashboard are only for reading; PromQL treats them as spaces.
    return re.sub(r"\s*\n\s*", " ", expr.strip())


def known_names(path):
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"`(teleinfo_[A-Za-z0-9_]+)`", text))


def names_in(expr):
    return set(NAME_RE.findall(STRING_RE.sub('""', expr)))


def check_structure(dashboard, problems):
    ids = {}
    boxes = []
    for panel in walk_panels(dashboard.get("panels", [])):
        label = f"panel {panel.get('id')} {panel.get('title', '')!r}"
        pid = panel.get("id")
        if not isinstance(pid, int):
            problems.append(f"{label}: id missing or not an integer")
        elif pid in ids:
            problems.append(f"{label}: id {pid} already used by {ids[pid]!r}")
        else:
            ids[pid] = panel.get("title", "")
        if not panel.get("type"):
            problems.append(f"{label}: no type")
        gp = panel.get("gridPos")
        if not isinstance(gp, dict) or not all(isinstance(gp.get(k), int) for k in "hwxy"):
            problems.append(f"{label}: gridPos must have integer h, w, x, y")
        else:
            if gp["w"] < 1 or gp["h"] < 1 or gp["x"] < 0 or gp["y"] < 0 \
                    or gp["x"] + gp["w"] > GRID_COLUMNS:
                problems.append(f"{label}: gridPos {gp} outside the {GRID_COLUMNS}-column grid")
            for other_label, o in boxes:
                if gp["x"] < o["x"] + o["w"] and o["x"] < gp["x"] + gp["w"] \
                        and gp["y"] < o["y"] + o["h"] and o["y"] < gp["y"] + gp["h"]:
                    problems.append(f"{label}: gridPos overlaps {other_label}")
            boxes.append((label, gp))
        if panel.get("type") == "row":
            continue
        if not panel.get("datasource"):
            problems.append(f"{label}: no datasource")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{label}: no query")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or not all(refs):
            problems.append(f"{label}: refIds missing or repeated: {refs}")
        for target in targets:
            if not target.get("datasource") and not panel.get("datasource"):
                problems.append(f"{label} ref {target.get('refId')}: no datasource")
            if not target.get("expr", "").strip():
                problems.append(f"{label} ref {target.get('refId')}: empty expr")

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    if not any(v.get("type") == "datasource" and v.get("query") == "prometheus"
               for v in variables.values()):
        problems.append("templating: no datasource variable of type prometheus")
    meter = variables.get("meter")
    if not meter or meter.get("type") != "query":
        problems.append("templating: no `meter` query variable")
    else:
        query = meter.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        if query.replace(" ", "") != "label_values(teleinfo_up,meter)":
            problems.append(f"templating: meter variable query is {query!r}, "
                            "expected label_values(teleinfo_up, meter)")
    for name, var in variables.items():
        if var.get("type") == "query" and not var.get("datasource"):
            problems.append(f"templating: variable {name!r} has no datasource")
    return set(variables)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dashboard", nargs="?", type=Path, default=DEFAULT_DASHBOARD)
    ap.add_argument("--meter", default="demo", help="value for $meter (default: demo)")
    ap.add_argument("--rate-interval", type=parse_duration, default=parse_duration("1m"),
                    help="value for $__rate_interval (default: 1m)")
    ap.add_argument("--interval", type=parse_duration, default=parse_duration("1m"),
                    help="value for $__interval when the query sets no interval (default: 1m)")
    ap.add_argument("--range", type=parse_duration, default=parse_duration("1h"),
                    help="value for $__range (default: 1h)")
    ap.add_argument("--check", action="store_true", help="check the dashboard's structure")
    ap.add_argument("--check-names", nargs="?", type=Path, const=DEFAULT_METRICS_MD,
                    metavar="METRICS_MD",
                    help="check metric names against the catalogue (default: docs/metrics.md)")
    ap.add_argument("--labelled", action="store_true",
                    help="prefix each line with where the query comes from and a tab")
    args = ap.parse_args()

    try:
        dashboard = json.loads(args.dashboard.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"{args.dashboard}: {err}", file=sys.stderr)
        return 1

    problems = []
    variables = check_structure(dashboard, problems) if args.check else set()

    catalogue = None
    if args.check_names is not None:
        path = args.check_names
        if not path.exists() and path == DEFAULT_METRICS_MD:
            found = [p for p in FALLBACK_METRICS_MD if p.exists()]
            if found:
                print(f"note: {path} missing, using {found[0]}", file=sys.stderr)
                path = found[0]
        try:
            catalogue = known_names(path)
        except OSError as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 1
        if not catalogue:
            problems.append(f"{path}: no `teleinfo_...` name found")

    rate_text, _ = args.rate_interval
    range_text, range_s = args.range
    values = {"meter": args.meter, "__rate_interval": rate_text, "__range": range_text,
              "__range_s": str(int(range_s)), "__range_ms": str(int(range_s * 1000))}

    lines = []
    for where, expr, datasource, min_interval in queries(dashboard):
        if not expr.strip():
            problems.append(f"{where}: empty expression")
            continue
        if args.check and not datasource:
            problems.append(f"{where}: no datasource")
        # Grafana never lets $__interval go below the query's own minimum interval.
        interval_text, interval_s = args.interval
        if min_interval:
            try:
                floor = parse_duration(min_interval)
            except argparse.ArgumentTypeError:
                problems.append(f"{where}: bad interval {min_interval!r}")
            else:
                if floor[1] > interval_s:
                    interval_text, interval_s = floor
        concrete = substitute(expr, dict(values, __interval=interval_text,
                                         __interval_ms=str(int(interval_s * 1000))))
        left = {next(g for g in m.groups() if g) for m in VAR_RE.finditer(concrete)}
        if left:
            problems.append(f"{where}: unknown variable(s) {sorted(left)} in {expr!r}")
        if args.check:
            used = {next(g for g in m.groups() if g) for m in VAR_RE.finditer(expr)}
            for name in used - BUILTIN_VARS - variables:
                problems.append(f"{where}: variable ${name} is not defined by the dashboard")
        if catalogue is not None:
            for name in sorted(names_in(expr) - catalogue):
                problems.append(f"{where}: {name} is not in the metrics catalogue")
        lines.append((where, one_line(concrete)))

    if catalogue is not None:
        for var in dashboard.get("templating", {}).get("list", []):
            query = var.get("query")
            query = query.get("query", "") if isinstance(query, dict) else str(query or "")
            if var.get("type") == "query":
                for name in sorted(names_in(query) - catalogue):
                    problems.append(f"variable {var.get('name')!r}: {name} is not in the "
                                    "metrics catalogue")

    if not lines:
        problems.append("no query found in the dashboard")
    for where, expr in lines:
        print(f"{where}\t{expr}" if args.labelled else expr)
    for problem in problems:
        print(f"{args.dashboard}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
