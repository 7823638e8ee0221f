"""``jixiao packs``: list installed packs from metadata alone; ``--check`` imports each in isolation."""

from __future__ import annotations

import json
from typing import Any

import click


@click.command("packs")
@click.option("--check", is_flag=True, help="Import every pack (with --all every plugin) and report OK or its "
              "error: pack semantics, parameters, and the examples of the plugins each uses, run.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Also list indicator plugins, scoring methods, grading "
              "schemes, aggregators and renderers.")
@click.option("--disable", multiple=True, metavar="PACK", help="Skip a pack without importing it (repeatable).")
def command(check: bool, as_json: bool, show_all: bool, disable: tuple[str, ...]) -> None:
    """List installed packs with their distribution and version (never imports a pack unless --check)."""
    from ..plugins import KINDS, Registry, disabled_from_env, installed
    from ..reference import plugin_problems, used_plugin_problems

    disabled = frozenset(disable) | disabled_from_env()
    kinds = list(KINDS) if show_all else ["pack"]
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        entries = installed(kind)
        names = [e.name for e in entries]
        for e in entries:
            row: dict[str, Any] = {"kind": kind, "name": e.name, "distribution": e.distribution, "version": e.version,
                   "entry_point": e.value, "status": "disabled" if e.name in disabled else "installed"}
            if names.count(e.name) > 1:
                row["status"] = "conflict"
                others = [f"{o.distribution} {o.version}" for o in entries if o.name == e.name and o is not e]
                row["error"] = f"name also registered by {', '.join(others)}"
            rows.append(row)
    failed = False
    if check:
        for row in rows:
            if row["status"] != "installed":
                failed = failed or row["status"] == "conflict"
                continue
            reg = Registry(disabled=disabled)
            try:
                if row["kind"] == "pack":
                    from ..validate import check_pack_semantics

                    pack = reg.pack(row["name"])
                    row["api"] = pack.api
                    problems = check_pack_semantics(pack, reg)
                    if problems:
                        from ..errors import ErrorGroup

                        raise problems[0] if len(problems) == 1 else ErrorGroup(problems)
                    found = used_plugin_problems(pack, reg)
                else:
                    found = plugin_problems(row["kind"], reg._get(row["kind"], row["name"]), reg)
                if found:
                    row["status"] = "error"
                    row["error"] = "\n".join(found)
                    failed = True
                    continue
                row["status"] = "ok"
            except Exception as exc:  # noqa: BLE001 - report each plugin's failure, never crash the listing
                row["status"] = "error"
                row["error"] = exc.format() if hasattr(exc, "format") else f"{type(exc).__name__}: {exc}"
                failed = True
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        if not rows:
            click.echo("no packs installed")
        for row in rows:
            kind = "" if not show_all else f"{KINDS[row['kind']].label}: "
            status = {"installed": "", "ok": "  OK", "disabled": "  (disabled)"}.get(row["status"], "")
            line = f"{kind}{row['name']}  {row['distribution']} {row['version']}{status}"
            if row.get("error"):
                line += f"  {row['status'].upper()}: " + row["error"].replace("\n", "\n    ")
            click.echo(line)
    if failed:
        raise click.exceptions.Exit(2)

