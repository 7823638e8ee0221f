"""``jixiao new-pack NAME``: scaffold an installable pack distribution from the templates in jixiao.scaffold."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from string import Template

import click

from ..errors import ConfigError

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def names(name: str, title: str | None = None) -> dict[str, str]:
    """The names a pack called NAME gets (hatch's plugin conventions): distribution, package, plugin."""
    from .. import __version__

    if not NAME_RE.match(name):
        raise ConfigError(f"pack name {name!r} is not valid: use lowercase letters, digits and single hyphens, "
                          "starting with a letter (e.g. 'road-maintenance')", path="NAME")
    slug = name.replace("-", "_")
    major, minor = __version__.split(".")[:2]
    return {
        "name": name,
        "dist": f"jixiao-pack-{name}",
        "package": f"jixiao_pack_{slug}",
        "plugin": f"{slug}_on_time_rate",
        "title": title or f"{name} 绩效评价指标体系",
        "jixiao_min": f"{major}.{minor}",
    }


def render_tree(dest: Path, values: dict[str, str]) -> list[Path]:
    """Fill every template under ``jixiao/scaffold/pack`` into ``dest``; returns the files written."""
    root = resources.files("jixiao.scaffold") / "pack"
    written: list[Path] = []

    def walk(node, rel: Path) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            part = values["package"] if child.name == "PACKAGE" else child.name.removesuffix(".tmpl")
            if child.is_dir():
                walk(child, rel / part)
                continue
            text = Template(child.read_text(encoding="utf-8")).substitute(values)
            out = dest / rel / part
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            written.append(rel / part)

    walk(root, Path())
    return written


@click.command("new-pack")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where to create the jixiao-pack-NAME folder.")
@click.option("--title", help="The pack's Chinese title (default: 'NAME 绩效评价指标体系').")
def command(name: str, directory: str, title: str | None) -> None:
    """Scaffold jixiao-pack-NAME: an installable pack with two indicators, an example and tests.

    \b
    jixiao new-pack road-maintenance
    cd jixiao-pack-road-maintenance && pip install -e ".[test]"
    pytest && jixiao evaluate src/jixiao_pack_road_maintenance/examples/evaluation.toml
    """
    from ..plugins import installed

    values = names(name, title)
    taken = [e for e in installed("pack") if e.name == name]
    if taken:
        raise ConfigError(f"a pack named {name!r} is already installed ({taken[0].describe()}); "
                          "pack names are unique across installed distributions", path="NAME")
    parent = Path(directory)
    dest = parent / values["dist"]
    if dest.exists():
        raise ConfigError(f"{dest} already exists; choose another --dir or remove it", path="--dir")
    parent.mkdir(parents=True, exist_ok=True)
    # Build beside the destination and rename: a failure leaves no half-made pack behind.
    tmp = Path(tempfile.mkdtemp(prefix=f".{values['dist']}-", dir=parent))
    try:
        files = render_tree(tmp, values)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    click.echo(f"created {dest} ({len(files)} files): pack {name!r}, package {values['package']}")
    click.echo("next:")
    click.echo(f"  cd {dest}")
    click.echo('  pip install -e ".[test]"      # or: uv pip install -e ".[test]"')
    click.echo("  pytest")
    click.echo(f"  jixiao evaluate src/{values['package']}/examples/evaluation.toml")
