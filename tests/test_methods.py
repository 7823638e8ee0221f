"""Every built-in scoring method at its edges, evaluated end to end: a real config file, the real
registry (methods found through their entry points), the engine's clamping, half-up rounding and
working strings. Expected figures are worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jixiao.config import load_config
from jixiao.engine import evaluate, finish_score
from jixiao.errors import ConfigError, DataError, JixiaoError
from jixiao.model import Indicator, Pack, PluginRef, RoundingPolicy, RuleSet, ScoreOutcome, Target
from jixiao.plugins import Registry

RULES = RuleSet(name="test", grading=None, total_standard=None)


def rate_leaf(method: str, std, target: Target | None = None, **params) -> Indicator:
    return Indicator(code="X", name="测试指标", standard_score=std, target=target,
                     source=PluginRef(name="input_value", params={"input": "x", "kind": "rate"}),
                     method=PluginRef(name=method, params=params))


def number_leaf(method: str, std, target: Target | None = None, kind="number", **params) -> Indicator:
    return Indicator(code="X", name="测试指标", standard_score=std, target=target,
                     source=PluginRef(name="input_value", params={"input": "x", "kind": kind}),
                     method=PluginRef(name=method, params=params))


def rating_leaf(method: str, std, **params) -> Indicator:
    return Indicator(code="X", name="定性指标", standard_score=std, source=PluginRef(name="qualitative_rating"),
                     method=PluginRef(name=method, params=params))


def run(tmp_path, leaf: Indicator, body: str, rules: RuleSet = RULES):
    pack = Pack(name="method-test", title="method test", rule_set=rules, tree=(leaf,), source="method_test.py")
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text('schema_version = 1\npack = "method-test"\n' + body, encoding="utf-8")
    registry = Registry()
    registry.add_pack(pack, source="method_test.py")
    return evaluate(pack, load_config(cfg), registry).tiers[0]


def work(tmp_path, leaf: Indicator, x: str) -> str:
    return run(tmp_path, leaf, f'[inputs]\nx = {x}\n').working


def rated(tmp_path, leaf: Indicator, rating: str, band: str | None = None):
    extra = f'\nband = "{band}"' if band else ""
    return run(tmp_path, leaf, f'[ratings.X]\nrating = "{rating}"{extra}\nreason = "见底稿"\n')


GE90 = Target(value=D("0.9"), comparator=">=", unit="%")
GE100 = Target(value=D(1), comparator=">=", unit="%")


# -- deduction per percentage point (the seed's rule) ------------------------------------------


@pytest.mark.parametrize("x, std, target, expected", [
    ('"89.63%"', 5, GE100, "3.44=5-(1-89.63%)*5*100*3%"),       # B11: 5 − 10.37 × 0.15 = 3.4445
    ('"83.33%"', 8, Target(value=D("0.85")), "7.60=8-(85%-83.33%)*8*100*3%"),   # C25: 8 − 1.67 × 0.24
    ('"85.83%"', 5, GE90, "4.37=5-(90%-85.83%)*5*100*3%"),       # C23: 5 − 4.17 × 0.15 = 4.3745
    ('"90%"', 5, GE90, "5.00=5（90.00%≥90%）"),                     # exactly at target
    ('"89.99%"', 5, GE90, "5.00=5-(90%-89.99%)*5*100*3%"),        # just below: 5 − 0.0015
    ('"50%"', 5, GE90, "0.00=max(0,5-(90%-50.00%)*5*100*3%)"),    # far below: 5 − 6 → floor 0
    ('"0%"', 5, GE90, "0.00=max(0,5-(90%-0.00%)*5*100*3%)"),      # zero
    ('"120%"', 5, GE90, "5.00=5（120.00%≥90%）"),                   # over-achievement
    ('"88.85%"', 1, GE90, "0.97=1-(90%-88.85%)*1*100*3%"),         # 1 − 0.0345 = 0.9655 → half-up 0.97
])
def test_deduct_per_point(tmp_path, x, std, target, expected):
    assert work(tmp_path, rate_leaf("deduct_per_point", std, target, k=D("0.03")), x) == expected


def test_deduct_per_point_lower_is_better(tmp_path):
    target = Target(value=D("0.05"), comparator="<=", unit="%")
    leaf = rate_leaf("deduct_per_point", 5, target, k=D("0.03"))
    assert work(tmp_path, leaf, '"5%"') == "5.00=5（5.00%≤5%）"
    assert work(tmp_path, leaf, '"7%"') == "4.70=5-(7.00%-5%)*5*100*3%"  # 5 − 2 × 0.15


# -- proportional (比率法) -------------------------------------------------------------------------


@pytest.mark.parametrize("x, expected", [
    ('"90%"', "10.00=10（90.00%≥90%）"),          # exactly at target
    ('"89.99%"', "10.00=89.99%/90%*10"),         # 9.99888… rounds up to 10.00 but is not full by rule
    ('"89.90%"', "9.99=89.90%/90%*10"),          # 9.98888… → 9.99
    ('"45%"', "5.00=45.00%/90%*10"),             # far below: half
    ('"0%"', "0.00=0.00%/90%*10"),               # zero
    ('"130%"', "10.00=10（130.00%≥90%）"),         # over-achievement is capped at the standard score
])
def test_proportional_higher_is_better(tmp_path, x, expected):
    assert work(tmp_path, rate_leaf("proportional", 10, GE90), x) == expected


def test_proportional_half_up(tmp_path):
    # 81.25% × 10 = 8.125 → half-up 8.13 (half-even would give 8.12).
    leaf = rate_leaf("proportional", 10, GE100)
    assert work(tmp_path, leaf, '"81.25%"') == "8.13=81.25%*10"
    even = RuleSet(name="even", grading=None, total_standard=None, rounding=RoundingPolicy(mode="half_even"))
    assert run(tmp_path, leaf, '[inputs]\nx = "81.25%"\n', even).working == "8.12=81.25%*10"


@pytest.mark.parametrize("x, expected", [
    ("12", "10.00=10（12≤12）"),     # exactly at target
    ("12.5", "9.60=12/12.5*10"),    # just over: 12 ÷ 12.5 × 10 = 9.6
    ("48", "2.50=12/48*10"),        # far over
    ("0", "10.00=10（0≤12）"),        # zero days is within any non-negative target: full marks
    ("8", "10.00=10（8≤12）"),        # better than target
])
def test_proportional_lower_is_better(tmp_path, x, expected):
    leaf = number_leaf("proportional", 10, Target(value=D(12), comparator="<=", unit="天"))
    assert work(tmp_path, leaf, x) == expected


def test_proportional_direction_param_and_zero_target(tmp_path):
    leaf = number_leaf("proportional", 10, Target(value=D(12), comparator=">=", unit="天"), direction="lower")
    assert work(tmp_path, leaf, "15") == "8.00=12/15*10"
    zero_target = number_leaf("proportional", 10, Target(value=D(0), comparator="<=", unit="count"))
    assert work(tmp_path, zero_target, "0") == "10.00=10（0≤0）"
    assert work(tmp_path, zero_target, "3") == "0.00=0（3>0）"


# -- rate × standard (national form, 预算执行率) -----------------------------------------------------


@pytest.mark.parametrize("x, expected", [
    ('"100%"', "10.00=10*100.00%"),
    ('"99.99%"', "10.00=10*99.99%"),             # 9.999 → 10.00
    ('"96.04%"', "9.60=10*96.04%"),
    ('"30%"', "3.00=10*30.00%"),
    ('"0%"', "0.00=10*0.00%"),
    ('"103.22%"', "10.00=min(10,10*103.22%)"),  # over-execution is capped
    ('"81.25%"', "8.13=10*81.25%"),             # 8.125 → half-up
])
def test_rate_times_standard(tmp_path, x, expected):
    assert work(tmp_path, rate_leaf("rate_times_standard", 10, Target(value=D(1), comparator="=")), x) == expected


# -- threshold (达标法 / 0-1法) and its older name full_if_met -----------------------------------


@pytest.mark.parametrize("method", ["threshold", "full_if_met"])
@pytest.mark.parametrize("x, expected", [
    ('"90%"', "5.00=5（90.00%≥90%）"),
    ('"89.99%"', "0.00=0（89.99%<90%）"),
    ('"0%"', "0.00=0（0.00%<90%）"),
    ('"150%"', "5.00=5（150.00%≥90%）"),
])
def test_threshold(tmp_path, method, x, expected):
    assert work(tmp_path, rate_leaf(method, 5, GE90), x) == expected


def test_threshold_partial_strict_and_lower(tmp_path):
    assert work(tmp_path, rate_leaf("threshold", 5, GE90, partial=2), '"80%"') == "2.00=2（80.00%<90%）"
    assert work(tmp_path, rate_leaf("threshold", 5, GE90, partial="50%"), '"80%"') == "2.50=5*50%（80.00%<90%）"
    # 1 × 12.5% = 0.125 → half-up 0.13
    assert work(tmp_path, rate_leaf("threshold", 1, GE90, partial="12.5%"), '"80%"') == "0.13=1*12.5%（80.00%<90%）"
    strict = Target(value=D("0.9"), comparator=">", unit="%")
    assert work(tmp_path, rate_leaf("threshold", 5, strict), '"90%"') == "0.00=0（90.00%≤90%）"
    lower = Target(value=D(3), comparator="<=", unit="count")
    leaf = number_leaf("threshold", 5, lower, kind="count")
    assert work(tmp_path, leaf, "3") == "5.00=5（3≤3）"
    assert work(tmp_path, leaf, "4") == "0.00=0（4>3）"


# -- banded (区间法) -------------------------------------------------------------------------------

BANDS = [
    {"lower": "90%", "points": 5},
    {"lower": "85%", "upper": "90%", "points": 4},
    {"lower": "80%", "upper": "85%", "fraction": "60%"},
    {"lower": "0%", "upper": "80%", "points": 0},
]


@pytest.mark.parametrize("x, expected", [
    ('"90%"', "5.00=5（90%≤90.00%）"),                  # exactly at the top band's lower bound
    ('"89.99%"', "4.00=4（85%≤89.99%<90%）"),           # just below
    ('"82%"', "3.00=5*60%（80%≤82.00%<85%）"),          # a band scored as a share of the standard
    ('"10%"', "0.00=0（0%≤10.00%<80%）"),               # far below
    ('"0%"', "0.00=0（0%≤0.00%<80%）"),                 # zero
    ('"140%"', "5.00=5（90%≤140.00%）"),                # over-achievement
])
def test_banded(tmp_path, x, expected):
    assert work(tmp_path, rate_leaf("banded", 5, GE90, bands=BANDS), x) == expected


def test_banded_lower_is_better_and_half_up(tmp_path):
    days = [{"upper": 10, "upper_inclusive": True, "points": 5},
            {"lower": 10, "lower_inclusive": False, "upper": 20, "upper_inclusive": True, "points": 3},
            {"lower": 20, "lower_inclusive": False, "points": 0}]
    leaf = number_leaf("banded", 5, Target(value=D(10), comparator="<=", unit="天"), bands=days)
    assert work(tmp_path, leaf, "10") == "5.00=5（10≤10）"
    assert work(tmp_path, leaf, "10.5") == "3.00=3（10<10.5≤20）"
    assert work(tmp_path, leaf, "21") == "0.00=0（20<21）"
    # 1 × 62.5% = 0.625 → half-up 0.63
    half = [{"lower": "0%", "fraction": "62.5%"}]
    assert work(tmp_path, rate_leaf("banded", 1, None, bands=half), '"50%"') == "0.63=1*62.5%（0%≤50.00%）"


def test_banded_value_outside_every_band_is_a_data_error(tmp_path):
    leaf = rate_leaf("banded", 5, GE90, bands=[{"lower": "80%", "points": 5}])
    with pytest.raises(DataError) as exc:
        work(tmp_path, leaf, '"70%"')
    assert exc.value.exit_code == 3
    assert "indicator X" in exc.value.message and "70.00%" in exc.value.message
    assert exc.value.file.endswith("evaluation.toml")


def test_banded_check_params():
    from jixiao.builtin.methods import check_banded

    assert check_banded({"bands": BANDS}) == []
    gap = check_banded({"bands": [{"lower": "90%", "points": 5}, {"lower": "0%", "upper": "85%", "points": 0}]})
    assert len(gap) == 1 and "gap" in gap[0]
    overlap = check_banded({"bands": [{"lower": "80%", "points": 5}, {"lower": "0%", "upper": "85%", "points": 0}]})
    assert len(overlap) == 1 and "overlap" in overlap[0]
    both = check_banded({"bands": [{"lower": "80%", "points": 5},
                                   {"lower": "0%", "upper": "80%", "upper_inclusive": True, "points": 0}]})
    assert len(both) == 1 and "both include" in both[0]
    neither = check_banded({"bands": [{"lower": "80%", "lower_inclusive": False, "points": 5},
                                      {"lower": "0%", "upper": "80%", "points": 0}]})
    assert len(neither) == 1 and "neither" in neither[0]
    assert "exactly one of points" in check_banded({"bands": [{"lower": 0, "points": 1, "fraction": "5%"}]})[0]
    assert check_banded({}) and check_banded({"bands": []}) and check_banded({"bands": [{"lower": "x", "points": 1}]})


# -- qualitative levels (5分法) ------------------------------------------------------------------


@pytest.mark.parametrize("rating, expected", [
    ("100%", "2.00=2*100%"), ("80%", "1.60=2*80%"), ("20%", "0.40=2*20%"),
])
def test_qualitative_levels(tmp_path, rating, expected):
    assert rated(tmp_path, rating_leaf("qualitative_levels", 2), rating).working == expected


def test_qualitative_levels_refuses_a_rating_between_levels(tmp_path):
    for rating in ("70%", "0%"):
        with pytest.raises(DataError) as exc:
            rated(tmp_path, rating_leaf("qualitative_levels", 2), rating)
        assert exc.value.path == "$.ratings.X.rating" and "100%, 80%, 60%, 40%, 20%" in exc.value.message
    leaf = rating_leaf("qualitative_levels", 2, allow_between=True)
    assert rated(tmp_path, leaf, "70%").working == "1.40=2*70%"
    assert rated(tmp_path, leaf, "0%").working == "0.00=2*0%"
    # 1 × 62.5% = 0.625 → half-up 0.63
    assert rated(tmp_path, rating_leaf("qualitative_levels", 1, allow_between=True), "62.5%").working == \
        "0.63=1*62.5%"


# -- the national three-band scale ----------------------------------------------------------------


@pytest.mark.parametrize("rating, band, expected", [
    ("100%", "达成", "10.00=10*100%（达成）"),
    ("85%", "达成", "8.50=10*85%（达成）"),
    ("80%", "达成", "8.00=10*80%（达成）"),          # a boundary lies in both neighbouring bands
    ("80%", "部分达成", "8.00=10*80%（部分达成）"),
    ("79.9%", "部分达成", "7.99=10*79.9%（部分达成）"),
    ("0%", "未达成", "0.00=10*0%（未达成）"),
    ("65%", "partly met", "6.50=10*65%（部分达成）"),   # English band names are accepted
])
def test_three_band(tmp_path, rating, band, expected):
    assert rated(tmp_path, rating_leaf("three_band", 10), rating, band).working == expected


def test_three_band_half_up_and_a_provinces_variant(tmp_path):
    assert rated(tmp_path, rating_leaf("three_band", 1), "62.5%", "部分达成").working == "0.63=1*62.5%（部分达成）"
    with pytest.raises(DataError):
        rated(tmp_path, rating_leaf("three_band", 10), "55%", "部分达成")
    variant = [{"name": "达成", "lower": "80%", "upper": "100%"}, {"name": "部分达成", "lower": "50%", "upper": "80%"},
               {"name": "未达成", "lower": "0%", "upper": "50%"}]
    assert rated(tmp_path, rating_leaf("three_band", 10, bands=variant), "55%", "部分达成").working == \
        "5.50=10*55%（部分达成）"


def test_three_band_errors_are_located(tmp_path):
    with pytest.raises(DataError) as exc:
        rated(tmp_path, rating_leaf("three_band", 10), "79%", "达成")
    assert exc.value.path == "$.ratings.X.rating" and exc.value.exit_code == 3
    with pytest.raises(ConfigError) as exc:
        rated(tmp_path, rating_leaf("three_band", 10), "85%")
    assert exc.value.path == "$.ratings.X.band" and "达成, 部分达成, 未达成" in exc.value.message
    with pytest.raises(ConfigError) as exc:
        rated(tmp_path, rating_leaf("three_band", 10), "85%", "优秀")
    assert exc.value.path == "$.ratings.X.band" and exc.value.exit_code == 2


def test_three_band_check_params():
    from jixiao.builtin.methods import check_three_band

    assert check_three_band({}) == []
    gap = check_three_band({"bands": [{"name": "a", "lower": "80%", "upper": "100%"},
                                      {"name": "b", "lower": "0%", "upper": "70%"}]})
    assert len(gap) == 1 and "gap" in gap[0]
    assert any("named 'a'" in p for p in check_three_band({"bands": [{"name": "a", "lower": "50%", "upper": "100%"},
                                                                     {"name": "a", "lower": "0%", "upper": "50%"}]}))
    assert any("needs a name" in p for p in check_three_band({"bands": [{"lower": "0%", "upper": "100%"}]}))


# -- per-item deductions (扣分法) -------------------------------------------------------------------


@pytest.mark.parametrize("x, expected", [
    ("0", "5.00=5-0*0.5"),               # none missing: full marks
    ("1", "4.50=5-1*0.5"),               # just below
    ("10", "0.00=5-10*0.5"),             # exactly used up
    ("13", "0.00=max(0,5-13*0.5)"),      # far below: floor 0
])
def test_per_item_deduction(tmp_path, x, expected):
    leaf = number_leaf("per_item_deduction", 5, kind="count", points=D("0.5"))
    assert work(tmp_path, leaf, x) == expected


def test_per_item_deduction_half_up_and_params(tmp_path):
    from jixiao.builtin.methods import check_per_item

    # 1 − 3 × 0.125 = 0.625 → half-up 0.63
    leaf = number_leaf("per_item_deduction", 1, kind="count", points=D("0.125"))
    assert work(tmp_path, leaf, "3") == "0.63=1-3*0.125"
    assert check_per_item({"points": D("0.5")}) == []
    assert check_per_item({}) and check_per_item({"points": 0}) and check_per_item({"points": "lots"})


# -- rounding in the core, and parameter checks ------------------------------------------------------


@pytest.mark.parametrize("mode, expected", [("half_up", "2.35=x"), ("half_even", "2.34=x")])
def test_finish_score_rounds_at_xx5_per_rule_set(mode, expected):
    rules = RuleSet(name="r", rounding=RoundingPolicy(mode=mode))
    _entering, unrounded, working = finish_score(ScoreOutcome(score=D("2.345"), expression="x"), D(5), rules)
    assert working == expected and unrounded == D("2.345")


def test_check_params_sentences():
    from jixiao.builtin.methods import check_levels, check_proportional, check_threshold

    assert check_threshold({"partial": "50%"}) == [] and check_threshold({"partial": -1})
    assert check_threshold({"partial": "150%"}) and check_threshold({"direction": "up"})
    assert check_proportional({"direction": "lower", "benchmark": "90%"}) == []
    assert check_proportional({"benchmark": "ninety"})
    assert check_levels({}) == [] and check_levels({"levels": ["120%"]}) and check_levels({"allow_between": "yes"})


def test_every_method_is_registered_with_its_documentation():
    registry = Registry()
    for name in ("deduct_per_point", "rating_times_standard", "full_if_met", "zero_incidence", "proportional",
                 "threshold", "banded", "qualitative_levels", "three_band", "per_item_deduction",
                 "rate_times_standard"):
        m = registry.method(name)
        assert m.name == name and m.formula and m.example and m.title
        assert m.provenance is not None and m.provenance.distribution == "jixiao"


def test_method_errors_are_jixiao_errors(tmp_path):
    # A leaf whose bands are broken fails with a configuration error, never a traceback.
    leaf = rate_leaf("banded", 5, GE90, bands=[{"lower": "90%"}])
    with pytest.raises(JixiaoError) as exc:
        work(tmp_path, leaf, '"95%"')
    assert exc.value.exit_code == 2


# -- evaluator override: the report shows the computed and the entered score ------------------------


def test_override_shows_computed_and_entered_score(seed_copy, cli):
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(text + '\n[overrides.B11]\nscore = 4\nreason = "补充材料表明执行率口径有误"\n', encoding="utf-8")
    r = cli("evaluate", seed_copy, "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    b11 = next(i for i in doc["indicators"] if i["code"] == "B11")
    assert b11["override"] == {"score": "4.00", "reason": "补充材料表明执行率口径有误", "computed_score": "3.44"}
    assert b11["score"] == "4.00"
    assert "3.44=5-(1-89.63%)*5*100*3%" in b11["trace"]
    assert doc["total"] == "89.20"   # 88.64 − 3.44 + 4.00
    md = cli("evaluate", seed_copy, "--format", "markdown")
    assert md.code == 0 and "3.44" in md.stdout and "4.00" in md.stdout
