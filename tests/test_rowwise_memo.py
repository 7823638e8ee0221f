"""Property: the batch fallback's shortcuts change nothing a document shows.

``jixiao batch`` sends rows its columnar program cannot score to the per-row engine through
:func:`jixiao.batch.rowwise.evaluate_row`, which remembers, per chunk, the results of leaves whose
built-in plugins read only their declared inputs (keyed by those inputs' exact values), of nodes
whose children are all remembered, and the Rating each set of cells gives. Here every row's result
through that path is compared with a fresh evaluation of the same row (no memo, no Prepared): the
JSON documents must be byte-identical — scores, workings, notes, measurements — and refused rows
must give the same messages; scored with ``figures=True``, as ``jixiao batch`` scores them (no
workings), every figure must be the same and so must every message. Rows repeat (so remembered results are used) and differ only in how a
number is written (``80%`` and ``80.000%``, ``1`` and ``1.0``), which must not share a result.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.batch import load_pack_or_template
from jixiao.batch.compile import layout_of
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.rowwise import _prepared, evaluate_row, forget, known_inputs, row_config
from jixiao.document import build_document, dumps
from jixiao.engine import evaluate
from jixiao.errors import ErrorGroup, JixiaoError
from jixiao.model import LeafResult
from jixiao.plugins import Registry
from test_batch_rules import PACK, row, to_row


def _fresh(pack, reg, pf, layout, i, pid):
    """Row ``i`` evaluated alone: its config built without the rating cache, the engine without memo."""
    forget()
    errors: list = []
    cfg = row_config(pf, layout, i, None, errors=errors, pid=pid)
    forget()
    if cfg is None:
        return None, sorted(e.message for e in errors)
    try:
        return evaluate(pack, cfg, reg), []
    except JixiaoError as exc:
        excs = exc.errors if isinstance(exc, ErrorGroup) else [exc]
        return None, sorted(e.message for e in excs)


def figures(res) -> list[str]:
    """Every figure a result holds (what ``jixiao batch`` keeps), with its digits: leaves, nodes, total, grade."""
    out = []
    for r in res.nodes():
        if isinstance(r, LeafResult):
            out.append(repr((r.code, r.value, r.score, r.score_unrounded, r.computed_score, r.override, r.status,
                             r.measurement.value, r.measurement.kind, r.outcome.score)))
        else:
            out.append(repr((r.code, r.score, r.score_unrounded, r.standard_score, dict(r.counts))))
    return out + [repr((res.total, res.total_unrounded, res.total_standard, res.grade))]


def _exact(res) -> list[str]:
    return [repr((lr.value, lr.score, lr.score_unrounded, lr.working, lr.measurement, lr.outcome, lr.note,
                  lr.status)) for lr in res.leaves()] + [repr((res.total, res.total_unrounded, res.total_working))]


def compare_all_rows(pack_arg: str | Path, portfolio: Path) -> int:
    """Every row through the batch fallback against the same row alone; returns the rows scored."""
    reg = Registry()
    pack, template = load_pack_or_template(str(pack_arg), reg)
    assert template is None
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    forget()
    memo_results = []
    for i in range(pf.n):  # all rows first, in order, as a batch chunk does: later rows reuse results
        errors: list = []
        res = evaluate_row(pack, reg, pf, layout, i, None, errors, f"P{i}")
        memo_results.append((res, sorted(e.message for e in errors)))
    prep = _prepared(pack, reg, pf)  # the one the rows above were scored with
    assert prep.memo and prep._memo
    forget()
    figure_results = []  # and as jixiao batch scores them: the figures only
    for i in range(pf.n):
        errors = []
        res = evaluate_row(pack, reg, pf, layout, i, None, errors, f"P{i}", figures=True)
        figure_results.append((res, sorted(e.message for e in errors)))
    assert _prepared(pack, reg, pf, True).figures
    scored = 0
    for i, (res, messages) in enumerate(memo_results):
        fresh, fresh_messages = _fresh(pack, reg, pf, layout, i, f"P{i}")
        assert messages == fresh_messages, i
        assert (res is None) == (fresh is None), i
        if res is not None:
            assert dumps(build_document(res)) == dumps(build_document(fresh)), i
            assert _exact(res) == _exact(fresh), i  # and every figure with its digits (0.8 is not 0.80000)
            scored += 1
        fig, fig_messages = figure_results[i]
        assert fig_messages == fresh_messages, i
        assert (fig is None) == (fresh is None), i
        if fig is not None:
            assert figures(fig) == figures(fresh), i
    forget()
    return scored


def _write(path: Path, rows: list[dict]) -> None:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


# The same value written differently must not share a remembered result.
SPELLINGS = {"80%": "80.000%", "100%": "1", "60%": "0.6", "20%": "0.200"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=st.lists(row(), min_size=1, max_size=6), repeats=st.integers(1, 3),
       mode=st.sampled_from(["half_up", "down"]), zero=st.sampled_from(["met", "error"]),
       respell=st.booleans())
def test_fallback_equals_each_row_alone(tmp_path_factory, rows, repeats, mode, zero, respell):
    d = tmp_path_factory.mktemp("memo")
    pack = d / "pack.toml"
    pack.write_text(PACK.format(mode=mode, zero=zero, partial="50%", leaves="round_then_sum"), encoding="utf-8")
    data = [to_row(f"P{k}", r) for k, r in enumerate(rows * repeats)]
    if respell:
        data += [{**r, "rating.B1": SPELLINGS.get(r["rating.B1"], r["rating.B1"]),
                  "done": f"{r['done']}.0"} for r in data]
    for k, r in enumerate(data):
        r["project_id"] = f"P{k}"
    _write(d / "portfolio.csv", data)
    compare_all_rows(pack, d / "portfolio.csv")


def _seed_rows(n: int, folder: Path) -> tuple[str, Path]:
    """(the seed pack, a CSV of ``n`` rows from benchmarks/generate.py)."""
    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    portfolio = folder / "seed.csv"
    assert generate.main([str(n), "--pack", "seed", "-o", str(portfolio)]) == 0
    return generate.PACKS["seed"], portfolio


def test_seed_pack_generated_rows(tmp_path):
    """Generated seed rows (ratings repeat on a few steps, quantitative inputs rarely): the same documents."""
    assert compare_all_rows(*_seed_rows(120, tmp_path)) == 120


def test_full_memos_stop_being_looked_up_and_change_nothing(tmp_path, monkeypatch):
    """With room for 3 results a leaf, the memos fill at once; a leaf whose inputs hardly repeat then
    stops being looked up (after 3 net misses) — and every row's figures and documents stay the same."""
    from jixiao import engine

    pack, portfolio = _seed_rows(80, tmp_path)
    monkeypatch.setattr(engine, "MEMO_PER_LEAF", 3)
    stopped: list[str] = []
    plans = engine.Prepared.leaf_plan

    def leaf_plan(self, leaf):
        plan = plans(self, leaf)
        if plan is None and leaf.code in self._memo_misses:
            stopped.append(leaf.code)
        return plan

    monkeypatch.setattr(engine.Prepared, "leaf_plan", leaf_plan)
    assert compare_all_rows(pack, portfolio) == 80
    assert stopped  # the path was taken: some leaf was no longer looked up


def test_workings_are_written_when_read():
    """The engine writes a leaf's working and the built-in sum's only when they are read (the batch
    fallback keeps only scores): before, they are functions; read, the text the eager form writes."""
    from conftest import ROOT
    from jixiao.builtin.aggregators import sum_children
    from jixiao.engine import finish_score
    from jixiao.model import NodeResult
    from jixiao.session import evaluate_file
    from jixiao.types import AggregateInput

    res = evaluate_file(ROOT / "docs" / "examples" / "consumer-protection-2018" / "evaluation.toml")
    nodes = [n for n in res.nodes() if isinstance(n, NodeResult)]
    leaves = [lr for lr in res.leaves() if lr.override is None]
    assert nodes and all(callable(n._working) for n in nodes)
    assert leaves and all(callable(lr._working) for lr in leaves)
    rs = res.pack.rule_set
    for n in nodes:
        eager = sum_children(AggregateInput(group=n.group, children=list(n.children), params={}, rule_set=rs,
                                            pack=res.pack)).working
        assert n.working == eager and n._working == eager  # written once, then kept as text
    for lr in leaves:
        assert lr.working == finish_score(lr.outcome, lr.indicator.standard_score, rs)[2]
