"""The formula language: what it computes, what it refuses (located), and fuzzing that finds no way
to fail with anything but FormulaError/DataError and no way to reach a Python object."""

from __future__ import annotations

import functools
import re
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.errors import DataError, FormulaError
from jixiao.formula import MAX_DEPTH, compile_formula
from jixiao.numbers import CONTEXT

VALUES = {"a": D(2824), "b": D(2736), "实际支出": D("1367.75"), "预算": D(1526), "r": D("0.85"), "z": D(0),
          "neg": D(-3)}
COLUMNS = {("budget", "actual"): [D("1367.75"), D("0.25")], ("budget", "planned"): [D(1000), D(526)],
           ("empty", "x"): []}
DECLARED = {"a": "count", "b": "count", "实际支出": "number", "预算": "number", "r": "rate", "z": "number",
            "neg": "number", "budget": "table", "empty": "table"}


def scalar(name):
    return VALUES[name]


def column(table, col):
    return COLUMNS[(table, col)]


def ev(expr, **kw):
    return compile_formula(expr, declared=DECLARED).evaluate(scalar, column, **kw)


# -- what it computes -------------------------------------------------------------------------------


@pytest.mark.parametrize("expr, value, shown", [
    ("a/b", CONTEXT.divide(D(2824), D(2736)), "2824/2736"),
    ("实际支出÷预算", CONTEXT.divide(D("1367.75"), D(1526)), "1367.75/1526"),
    ("（a－b）／b", CONTEXT.divide(D(88), D(2736)), "(2824-2736)/2736"),
    ("a × 85% + 1", D(2824) * D("0.85") + 1, "2824*85%+1"),
    ("r*100", D(85), "85%*100"),                     # a declared rate is shown as a percentage
    ("-(-a)", D(2824), "-(-2824)"),
    ("a - neg", D(2827), "2824-(-3)"),               # a negative input is bracketed in the working
    ("min(a, b, 3000)", D(2736), "min(2824,2736,3000)"),
    ("max(a,b)", D(2824), "max(2824,2736)"),
    ("sum(budget.actual)/sum(budget.planned)", CONTEXT.divide(D(1368), D(1526)), "1368/1526"),
    ("max(budget.planned, 1200)", D(1200), "1200"),
    ("sum(empty.x)", D(0), "0"),
    ("if(a>=b, 5, 0)", D(5), "if(2824≥2736,5,0)"),
    ("if(a ≤ b, 5, 2.5)", D("2.5"), "if(2824≤2736,5,2.5)"),
    ("if(a != b, 1, 0) + if(a = b, 1, 0)", D(1), "if(2824≠2736,1,0)+if(2824=2736,1,0)"),
    ("if(z=0, 0, a/z)", D(0), "if(0=0,0,2824/0)"),   # the branch not taken is never computed
    ("1+2*3", D(7), "1+2*3"),
    ("(1+2)*3", D(9), "(1+2)*3"),
    ("10-4-3", D(3), "10-4-3"),                      # left-associative
    ("12/4/3", D(1), "12/4/3"),
    ("0.1+0.2", D("0.3"), "0.1+0.2"),                # Decimal, not float
])
def test_values_and_working(expr, value, shown):
    v, s = ev(expr)
    assert v == value and s == shown


def test_names_and_columns_are_reported_in_order_of_use():
    c = compile_formula("sum(budget.actual)/b + a*b - sum(budget.planned) + max(budget.actual)")
    assert c.names == ("b", "a")
    assert c.columns == (("budget", "actual"), ("budget", "planned"))


def test_zero_division_policies():
    assert ev("z/z")[0] == 1 and ev("z/z", zero_division="zero")[0] == 0
    notes = []
    assert ev("z/z + 0/z", notes=notes) == (D(2), "0/0+0/0") and notes == ["0/0", "0/0"]
    with pytest.raises(DataError) as exc:
        ev("1 + z/z", zero_division="error", where="$.x")
    assert exc.value.exit_code == 3 and exc.value.path == "$.x (column 6)"
    with pytest.raises(DataError) as exc:
        compile_formula("a/z", file="pack.toml", where="$.indicators.X.source.expr").evaluate(scalar, column)
    e = exc.value
    assert e.exit_code == 3 and e.file == "pack.toml" and e.path == "$.indicators.X.source.expr (column 2)"
    assert "division by zero: 2824 ÷ 0" in e.message and e.message.endswith("a/z\n     ^")


def test_min_of_an_empty_column_is_a_data_error():
    with pytest.raises(DataError):
        ev("min(empty.x)")


# -- what it refuses, located ------------------------------------------------------------------------


@pytest.mark.parametrize("expr, column_no, fragment", [
    ("a ** 2", 3, "powers (**)"),
    ("a**2", 2, "powers (**)"),
    ("__class__", 1, "underscore"),
    ("budget.__dict__", 8, "underscore"),
    ("__import__('os')", 1, "underscore"),
    ("().__class__", 2, "unexpected ')'"),
    ("a.__class__", 3, "underscore"),
    ("foo(1)", 1, "unknown function 'foo'"),
    ("eval(a)", 1, "unknown function 'eval'"),
    ("a[0]", 2, "subscripts"),
    ("lambda x: x", 1, "lambdas"),
    ("'os'", 1, "strings"),
    ('"os"', 1, "strings"),
    ("a.b", 1, "'a' is not a table"),
    ("a.b.c", 4, "'.' may only join"),
    ("sum(budget)", 5, "'budget' is a table"),
    ("budget.actual + 1", 1, "table column"),
    ("a < b", 1, "true/false"),
    ("if(1, 2, 3)", 4, "must be a comparison"),
    ("if(a<b, 2)", 1, "if takes 3 arguments"),
    ("min()", 1, "at least one argument"),
    ("1<2<3", 4, "only one comparison"),
    ("1 +", 4, "ends too early"),
    ("((1)", 5, "ends too early"),
    ("5 % 3", 3, "no remainder operator"),
    ("x", 1, "'x' is not a declared input"),
    ("a + 未申报", 5, "'未申报' is not a declared input"),
    ("1e5", 2, "unexpected 'e5'"),
    ("a; b", 2, "unexpected character ';'"),
])
def test_refused_with_location(expr, column_no, fragment):
    with pytest.raises(FormulaError) as exc:
        compile_formula(expr, file="pack.toml", where="$.indicators.X.source.expr", declared=DECLARED)
    e = exc.value
    assert e.exit_code == 2 and e.file == "pack.toml"
    assert e.path == f"$.indicators.X.source.expr (column {column_no})"
    assert fragment in e.message
    # The caret line sits under the offending character.
    formula_line, caret_line = e.message.split("\n")[1:3]
    assert formula_line == "    " + expr and caret_line.index("^") == 4 + column_no - 1


def test_caret_under_wide_characters_and_later_lines():
    with pytest.raises(FormulaError) as exc:
        compile_formula("实际支出 ** 2")
    assert exc.value.message.split("\n")[2] == "    " + " " * 9 + "^^"  # 4 CJK characters are 8 columns, then a space
    with pytest.raises(FormulaError) as exc:
        compile_formula("a +\n b +\n ]")
    assert exc.value.path == "line 3, column 2" and exc.value.line == 3


def test_empty_and_non_string_and_oversized_formulas():
    for bad in ("", "   ", None, 5):
        with pytest.raises(FormulaError):
            compile_formula(bad)
    with pytest.raises(FormulaError, match="nested operations"):
        compile_formula("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(FormulaError, match="nested operations"):
        compile_formula("-" * (MAX_DEPTH + 5) + "1")
    with pytest.raises(FormulaError, match="longer than"):
        compile_formula("1+" * 5000 + "1")
    assert compile_formula("+".join(["a"] * 150)).names == ("a",)


def test_undeclared_names_pass_without_a_declaration_but_not_mixed_uses():
    assert compile_formula("x + y").names == ("x", "y")
    with pytest.raises(FormulaError, match="is a table"):
        compile_formula("sum(t.c) + t")
    with pytest.raises(FormulaError, match="not a table"):
        compile_formula("t + sum(t.c)")


# -- fuzzing: only the documented errors, and no Python object reachable -------------------------------

NAME_RE = re.compile(r"[^\W\d_]\w*\Z")
TOKENS = ["a", "b", "z", "r", "budget", "actual", "planned", "__class__", "__dict__", "__import__", "os", "x",
          "实际支出", "min", "max", "sum", "if", "lambda", "eval", "0", "1", "2.5", "85%", "100", "+", "-", "−", "*",
          "**", "/", "÷", "×", "(", ")", "（", "）", ",", "，", ".", "<", "<=", ">=", "=", "!=", "≤", "≥", "[", "]",
          "'", '"', ":", "%", "_", " ", "\n", "{", "}", "@", "\\", "#", "$", "e", "1e5", "0x10", "None", "True"]


def check_any(text: str) -> None:
    """Compile and evaluate; anything but FormulaError/DataError (or success with a Decimal) fails."""
    seen_names, seen_cols = [], []

    def sc(name):
        assert NAME_RE.match(name), f"a name that is not a formula name reached the callback: {name!r}"
        seen_names.append(name)
        return VALUES.get(name, D(7))

    def co(table, col):
        assert NAME_RE.match(table) and NAME_RE.match(col)
        seen_cols.append((table, col))
        return COLUMNS.get((table, col), [D(1), D(2)])

    for declared in (None, DECLARED):
        try:
            c = compile_formula(text, declared=declared)
        except FormulaError:
            continue
        assert all(NAME_RE.match(n) for n in c.names)
        for policy in ("met", "zero", "error"):
            try:
                value, shown = c.evaluate(sc, co, zero_division=policy)
            except DataError:
                continue
            assert type(value) is D and isinstance(shown, str)
        assert set(seen_names) <= set(c.names) and set(seen_cols) <= set(c.columns)
        seen_names.clear()
        seen_cols.clear()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_fuzz_token_sequences(tokens):
    check_any(" ".join(tokens))
    check_any("".join(tokens))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_random_text(text):
    check_any(text)


@pytest.mark.parametrize("attack", [
    "__class__", "().__class__", "budget.__dict__", "__import__('os')", "a.__class__.__bases__", "a.real",
    "budget.actual.__class__", "sum.__globals__", "min.__self__", "if.__code__", "(1).__class__", "[].__class__",
    "{}.keys()", "lambda: 1", "getattr(a, 'x')", "open('/etc/passwd')", "a if b else z", "exec('1')",
    "__builtins__", "f'{a}'", "a @ b", "a // b", "not a", "a and b",
])
def test_no_formula_reaches_a_python_object(attack):
    with pytest.raises(FormulaError):
        compile_formula(attack, declared=DECLARED)
    # Even without a declaration nothing resolves through Python: a.real is a (table, column) pair
    # that only the column callback can answer.
    try:
        c = compile_formula(attack)
    except FormulaError:
        return
    assert attack == "a.real"
    assert c.columns == (("a", "real"),) and c.names == ()


# -- property: evaluation equals a reference Decimal computation -------------------------------------

LEAF_NAMES = ["a", "b", "r", "z", "neg"]


def leaves():
    numbers = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
    return st.one_of(
        numbers.map(lambda d: (f"{d:f}", d)),
        st.integers(0, 10000).map(lambda n: (f"{n}%", CONTEXT.divide(D(n), D(100)))),
        st.sampled_from(LEAF_NAMES).map(lambda n: (n, VALUES[n])),
    )


class ZeroDiv(Exception):
    pass


def combine(children):
    def ref_div(x, y):
        if y == 0:
            raise ZeroDiv
        return CONTEXT.divide(x, y)

    ops = {"+": CONTEXT.add, "-": CONTEXT.subtract, "*": CONTEXT.multiply, "/": ref_div}

    def binary(args):
        (lt, lv), op, (rt, rv) = args
        return f"({lt}{op}{rt})", (lambda: ops[op](lv(), rv()))

    def unary(arg):
        t, v = arg
        return f"-({t})", (lambda: CONTEXT.minus(v()))

    def fn(args):
        name, items = args
        texts = ",".join(t for t, _ in items)
        f = min if name == "min" else max
        return f"{name}({texts})", (lambda: f(v() for _, v in items))

    def cond(args):
        (ct, cv), (at, av), (bt, bv) = args
        return f"if({ct}>=0,{at},{bt})", (lambda: av() if cv() >= 0 else bv())

    return st.one_of(
        st.tuples(children, st.sampled_from(list(ops)), children).map(binary),
        children.map(unary),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3)).map(fn),
        st.tuples(children, children, children).map(cond),
    )


def trees():
    base = leaves().map(lambda tv: (tv[0], (lambda v=tv[1]: v)))
    return st.recursive(base, combine, max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(trees())
def test_evaluation_equals_reference_decimal_computation(tree):
    text, reference = tree
    try:
        expected = reference()
    except ZeroDiv:
        expected = None
    except OverflowError:
        return
    compiled = compile_formula(text, declared=DECLARED)
    try:
        value, _shown = compiled.evaluate(scalar, column, zero_division="error")
    except DataError:
        assert expected is None, f"{text} failed but the reference gives {expected}"
        return
    assert expected is not None and value == expected, text


# -- the shipped LALR tables ------------------------------------------------------------------------

def _outcome(parser, text):
    """What a parser makes of ``text``: the syntax tree, or the located sentence the user would read."""
    from lark.exceptions import UnexpectedInput

    from jixiao.formula import _parse_problem, _TooDeep

    try:
        return ("tree", parser.parse(text))
    except _TooDeep as deep:
        return ("too deep", deep.offset)
    except UnexpectedInput as exc:
        return ("refused", type(exc).__name__, _parse_problem(text, exc))


SAMPLES = [
    "a/b", "实际支出÷预算", "（a－b）／b", "a × 85% + 1", "-(-a)", "min(a, b, 3000)", "sum(budget.actual)/sum(budget.planned)",
    "if(a >= b, 1, 0)", "a ≤ b", "a＜＝b", "a != b", "a == b", "(a", "a)", "a +", "+", "", "a b", "1.5.2", "a ** 2",
    "().__class__", "a[0]", "'os'", "a,b", "f(,)", "max()", "budget．actual", "a\u3000+\nb", "9" * 40, "((((a))))",
    "(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5), "a ＋ b － c × d ÷ e", "x.y.z", "1 < 2 < 3", "%", "a%",
]


def test_the_shipped_tables_are_built_from_this_grammar_by_this_lark(monkeypatch):
    # Fails when formula.lark changes (or uv.lock moves lark) without `python -m jixiao.formula`:
    # the run would still be right, only 0.1 s slower, building the parser from the grammar.
    import hashlib

    import lark

    from jixiao import formula, formula_tables

    assert formula_tables.LARK_VERSION == lark.__version__
    assert formula_tables.GRAMMAR_SHA256 == hashlib.sha256(formula._grammar().encode("utf-8")).hexdigest()

    def no_build(*a, **k):
        raise AssertionError("the parser was built from the grammar, not loaded from formula_tables.py")

    monkeypatch.setattr(formula, "_built_parser", no_build)
    formula._parser.cache_clear()
    try:
        assert compile_formula("min(a, b) + 1", declared=DECLARED).evaluate(scalar, column)[0] == D(2737)
    finally:
        formula._parser.cache_clear()


_TOKENS = list("ab1.%()（）,，+-−×÷*/<>=≤≥≠! \u3000") + ["min", "sum", "if", "budget.x", "实际", "2.5", "__"]


@functools.cache
def _grammar_built():
    from jixiao import formula

    return formula._built_parser(formula._grammar())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.sampled_from(SAMPLES), st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join)))
def test_the_loaded_tables_parse_and_refuse_exactly_as_the_grammar_built_parser(text):
    from jixiao import formula

    shipped = formula._parser()
    assert shipped is not _grammar_built()
    assert _outcome(shipped, text) == _outcome(_grammar_built(), text)


def test_a_stale_table_falls_back_to_building_from_the_grammar(monkeypatch):
    from jixiao import formula, formula_tables

    monkeypatch.setattr(formula_tables, "GRAMMAR_SHA256", "0" * 64)
    built = []
    real = formula._built_parser
    monkeypatch.setattr(formula, "_built_parser", lambda g: built.append(g) or real(g))
    formula._parser.cache_clear()
    try:
        assert compile_formula("min(a, b) + 1", declared=DECLARED).evaluate(scalar, column)[0] == D(2737)
    finally:
        formula._parser.cache_clear()
    assert built == [formula._grammar()]


def test_the_generator_writes_a_loadable_table_of_this_grammar(tmp_path):
    # What `python -m jixiao.formula` writes: a module of literals with this grammar's hash and lark's
    # version, whose tables parse and refuse as the grammar-built parser does.
    import importlib.util

    from lark import Lark

    from jixiao import formula, formula_tables

    path = tmp_path / "regenerated_tables.py"
    path.write_text(formula.tables_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("regenerated_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.LARK_VERSION, module.GRAMMAR_SHA256) == (formula_tables.LARK_VERSION, formula_tables.GRAMMAR_SHA256)
    loaded = Lark._load_from_dict(module.DATA, module.MEMO, transformer=formula._Build())
    for text in SAMPLES:
        assert _outcome(loaded, text) == _outcome(_grammar_built(), text), text
