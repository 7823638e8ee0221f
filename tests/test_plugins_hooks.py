"""One test per hook (``test_hook_<name>``, enforced by tests/test_hooks_doc.py): a third-party
distribution implements the hook through a real entry point and the CLI uses what it returns.

The distribution is tests/data/fake_dists/extras (jixiao-fake-extras), one module per hook.
Expected figures are computed here from the example's inputs, not copied from a run.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal

from conftest import run_cli
from test_plugins import EXTRAS_EXAMPLE, fake_env

Q = Decimal("0.01")


def inputs() -> dict:
    with open(EXTRAS_EXAMPLE, "rb") as fh:
        return tomllib.load(fh, parse_float=Decimal)


def document() -> dict:
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "--format", "json", env=fake_env("extras"))
    assert r.code == 0, r
    return r.json()


def indicator(doc: dict, code: str) -> dict:
    return next(i for i in doc["indicators"] if i["code"] == code)


def expected_scores() -> dict[str, Decimal]:
    """The example scored by hand with the fake plugins' rules."""
    data = inputs()
    share = Decimal(data["inputs"]["part"]) / data["inputs"]["whole"]
    a1 = Decimal(40) if share >= 1 else Decimal(20)  # fake_step: full at the target, else half
    done = Decimal(data["inputs"]["done"]) / data["inputs"]["planned"]
    a2 = max(Decimal(0), 20 - (1 - done) * 100 * 20 * Decimal("0.03")).quantize(Q)
    b1 = (Decimal(40) * Decimal(data["ratings"]["B1"]["rating"].rstrip("%")) / 100).quantize(Q)
    a = (60 * min(a1 / 40, a2 / 20)).quantize(Q)  # fake_weakest_link
    return {"A1": a1, "A2": a2, "A": a, "B1": b1, "total": a + b1}


def test_hook_jixiao_packs():
    r = run_cli("packs", "--json", env=fake_env("extras"))
    row = next(r for r in r.json() if r["name"] == "fake-extras")
    assert (row["distribution"], row["version"], row["entry_point"]) == ("jixiao-fake-extras", "1.0",
                                                                         "fake_extras_pack")
    doc = document()
    assert doc["pack"]["name"] == "fake-extras"
    assert doc["pack"]["distribution"] == "jixiao-fake-extras"
    assert [t["code"] for t in doc["tiers"]] == ["A", "B"]


def test_hook_jixiao_indicators():
    data = inputs()["inputs"]
    a1 = indicator(document(), "A1")
    assert a1["source"]["name"] == "fake_share"
    assert a1["value_expression"] == f"{data['part']}/{data['whole']}（fake_share）"
    assert Decimal(a1["value"]) == (Decimal(data["part"]) / data["whole"]).quantize(Decimal("0.0001"))


def test_hook_jixiao_scoring_methods():
    a1 = indicator(document(), "A1")
    expected = expected_scores()["A1"]
    assert Decimal(a1["score"]) == expected
    assert a1["trace"].startswith(f"{expected:.2f}=40/2（step: ")  # the method's own working


def test_hook_jixiao_aggregators():
    doc = document()
    group_a = doc["tiers"][0]
    assert group_a["aggregator"] == "fake_weakest_link"
    exp = expected_scores()
    assert Decimal(group_a["score"]) == exp["A"]
    assert exp["A"] != exp["A1"] + exp["A2"]  # not what the default sum would give


def test_hook_jixiao_grading_schemes():
    doc = document()
    exp = expected_scores()
    assert Decimal(doc["total"]) == exp["total"]
    assert doc["grade"] == ("达标" if exp["total"] >= 60 else "不达标")
    assert doc["rule_set"]["grading"] == "fake-pass-fail"


def test_hook_jixiao_renderers(tmp_path):
    out = tmp_path / "scores.fakecsv"  # the format is found from the suffix the renderer declares
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "-o", out, env=fake_env("extras"))
    assert r.code == 0, r
    exp = expected_scores()
    assert out.read_text(encoding="utf-8").splitlines() == [
        "code,score", f"A1,{exp['A1']:.2f}", f"A2,{exp['A2']:.2f}", f"B1,{exp['B1']:.2f}"]
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "--format", "fakecsv", env=fake_env("extras"))
    assert r.code == 0, r
    assert r.stdout.splitlines()[0] == "code,score"
