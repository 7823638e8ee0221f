"""``jixiao show PACK``: print a pack's tree with standard scores, targets and methods."""

from __future__ import annotations

import click


def tree_lines(pack) -> list[str]:
    from ..model import Group
    from ..numbers import fmt_number

    lines = [f"{pack.name}: {pack.title} (version {pack.version}, API {pack.api})",
             (f"rule set: {pack.rule_set.name}; grading: "
             f"{pack.rule_set.grading_scheme.name if pack.rule_set.grading_scheme else pack.rule_set.grading}; "
             f"rounding: values {pack.rule_set.rounding.value_places} places, scores "
             f"{pack.rule_set.rounding.score_places} places, {pack.rule_set.rounding.mode}, "
             f"{pack.rule_set.rounding.leaves}"
             + "".join(f", {k} {v}" for k, v in pack.rule_set.rounding.explicit.items())
             + f"; 0÷0: {pack.rule_set.zero_division}"), ""]

    def walk(nodes, depth):
        for n in nodes:
            std = "" if n.standard_score is None else fmt_number(n.standard_score)
            ind = "  " * depth
            if isinstance(n, Group):
                agg = "" if n.aggregator.name == "sum" else f"  [{n.aggregator.name}]"
                lines.append(f"{ind}{n.code} {n.name}  {std}{agg}")
                walk(n.children, depth + 1)
            else:
                tgt = n.target.display() if n.target else "—"
                params = ", ".join(f"{k}={v}" for k, v in n.method.params.items())
                meth = n.method.name + (f"({params})" if params else "")
                lines.append(f"{ind}{n.code} {n.name}  {std}  target {tgt}  value: {n.source.name}  "
                             f"score: {meth}")

    walk(pack.tree, 0)
    return lines


@click.command("show")
@click.argument("pack")
@click.option("--format", "fmt", type=click.Choice(["text", "toml"]), default="text", show_default=True,
              help="text: the tree; toml: a declarative pack file that evaluates identically.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def command(pack: str, fmt: str, output: str | None) -> None:
    """Show PACK (a registered name, or a pack .toml file)."""
    from ..io import write_atomic
    from ..plugins import Registry
    from ..session import load_pack

    registry = Registry()
    p, _ = load_pack(pack, registry)
    if fmt == "toml":
        from ..packfile import dump_pack

        text = dump_pack(p)
    else:
        text = "\n".join(tree_lines(p)) + "\n"
    if output:
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
