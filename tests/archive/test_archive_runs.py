"""``batch --archive`` and ``review --archive`` against real databases (a SQLite file, a throw-away
PostgreSQL cluster): what each run stores, idempotence, --replace, and a failed write that leaves
nothing — neither rows in the archive nor a replaced output file."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "tests" / "forms"))
from builders import write_xlsx

PACK = "shanghai-consumer-protection-2018"


def _portfolio(folder: Path, seed: int, n: int = 40) -> Path:
    """A generated seed-pack portfolio with the identifying columns a user's sheet has."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = folder / f"raw{seed}.parquet"
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "--pack", "seed",
                          "-o", str(raw), "--seed", str(seed)], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    t = pq.read_table(raw)
    t = t.append_column("项目名称", pa.array([f"项目{i}" for i in range(n)]))
    t = t.append_column("主管部门", pa.array([["教育局", "卫健委", "=1+1"][i % 3] for i in range(n)]))
    t = t.append_column("地区", pa.array([f"区{i % 2}" for i in range(n)]))
    out = folder / f"p{seed}.parquet"
    pq.write_table(t, out)
    return out


@pytest.fixture(scope="session")
def portfolios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portfolios")
    return _portfolio(folder, 3), _portfolio(folder, 4)


def _sql(url: str, query: str, *params) -> list:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query), *params).all()
    finally:
        engine.dispose()


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_batch_archive_keeps_every_row_with_its_identity_and_leaves(tmp_path, archive_url, portfolios):
    import pyarrow.parquet as pq

    p3, _ = portfolios
    out = tmp_path / "r.parquet"
    args = ["batch", PACK, p3, "-o", out, "--archive", archive_url, "--year", "2023", "--kind", "self"]
    r = run_cli(*args)
    assert r.code == 0, r
    rows = [{k: None if v is None else str(v) for k, v in x.items()} for x in pq.read_table(out).to_pylist()]
    stored = _sql(archive_url, "SELECT project_id, project_name, department, region, year, kind, total, grade, "
                               "document FROM evaluation ORDER BY project_id")
    assert len(stored) == len(rows) == 40
    by = {x["project_id"]: x for x in rows}
    for pid, name, dept, region, year, kind, total, grade, document in stored:
        src = by[pid]
        assert (name, dept, region, year, kind) == (src["项目名称"], src["主管部门"], src["地区"], 2023, "self")
        assert (total, grade) == (src["total"], src["grade"])
        assert document == f'{{"file":"{p3}","row":{src["row"]}}}'
    leaves = _sql(archive_url, "SELECT e.project_id, v.code, v.score_e4, v.lost_e4, v.standard_e4 FROM leaf_scores v "
                               "JOIN evaluation e ON e.id = v.evaluation_id")
    assert len(leaves) == 40 * 25
    for pid, code, score, lost, std in leaves:
        assert Decimal(score).scaleb(-4) == Decimal(by[pid][code]) and lost == std - score
    # The same run again stores nothing twice.
    r = run_cli(*args)
    assert r.code == 0 and "0 added, 0 replaced, 40 already archived" in r.stderr, r
    assert _sql(archive_url, "SELECT count(*) FROM evaluation") == [(40,)]


def test_batch_archive_clash_refused_then_replaced_and_results_file_follows(tmp_path, archive_url, portfolios):
    p3, p4 = portfolios  # the same project ids P0000001…, other figures
    out = tmp_path / "r.csv"
    base = ["--archive", archive_url, "--year", "2023", "--kind", "recheck"]
    assert run_cli("batch", PACK, p3, "-o", out, *base).code == 0
    before = out.read_bytes()
    totals = _sql(archive_url, "SELECT project_id, total FROM evaluation ORDER BY project_id")
    r = run_cli("batch", PACK, p4, "-o", out, *base)
    assert r.code == 3, r
    assert "already holds another evaluation of project 'P0000001', 2023, recheck" in r.stderr
    assert "--replace" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == before  # a failed run leaves the old results file as it was
    assert _sql(archive_url, "SELECT project_id, total FROM evaluation ORDER BY project_id") == totals
    r = run_cli("batch", PACK, p4, "-o", out, *base, "--replace")
    assert r.code == 0 and "0 added, 40 replaced" in r.stderr, r
    now = {x["project_id"]: x["total"] for x in _results(out)}
    assert dict(_sql(archive_url, "SELECT project_id, total FROM evaluation")) == now
    assert _sql(archive_url, "SELECT count(*) FROM leaf_score") == [(40 * 25,)]


def _break_leaf_writes(url: str) -> None:
    """A database that fails part-way through a write: the leaf scores of the 20th evaluation are refused."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text("CREATE TRIGGER no_777 BEFORE INSERT ON leaf_score WHEN NEW.evaluation_id = 20 "
                                 "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"))
        else:
            conn.execute(sa.text("CREATE FUNCTION no_777() RETURNS trigger AS $$ BEGIN IF NEW.evaluation_id = 20 "
                                 "THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(sa.text("CREATE TRIGGER no_777 BEFORE INSERT ON leaf_score FOR EACH ROW "
                                 "EXECUTE FUNCTION no_777()"))
    engine.dispose()


def test_a_database_failing_part_way_leaves_nothing(tmp_path, archive_url, portfolios):
    p3, _ = portfolios
    assert run_cli("archive", "upgrade", "--archive", archive_url).code == 0
    _break_leaf_writes(archive_url)
    out = tmp_path / "r.csv"
    out.write_text("old results\n", encoding="utf-8")
    r = run_cli("batch", PACK, p3, "-o", out, "--quiet", "--archive", archive_url, "--year", "2023", "--kind", "self")
    assert r.code != 0 and "refused by test" in r.stderr, r
    assert out.read_text(encoding="utf-8") == "old results\n"
    assert _sql(archive_url, "SELECT count(*) FROM evaluation") == [(0,)]
    assert _sql(archive_url, "SELECT count(*) FROM leaf_score") == [(0,)]


def test_batch_archive_needs_kind_and_year_before_any_work(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    out = tmp_path / "r.csv"
    r = run_cli("batch", PACK, tmp_path / "none.parquet", "-o", out, "--archive", url, "--year", "2023")
    assert r.code == 2 and "--kind" in r.stderr and "Traceback" not in r.stderr, r
    r = run_cli("batch", PACK, tmp_path / "none.parquet", "-o", out, "--archive", url, "--kind", "self")
    assert r.code == 2 and "--year" in r.stderr, r
    r = run_cli("batch", PACK, tmp_path / "none.parquet", "-o", out, "--kind", "self")
    assert r.code == 2 and "--archive" in r.stderr, r
    assert not out.exists() and not (tmp_path / "a.db").exists()


def test_archive_alone_takes_the_variable(tmp_path, portfolios):
    p3, _ = portfolios
    url = f"sqlite:///{tmp_path / 'env.db'}"
    out = tmp_path / "r.parquet"
    r = run_cli("batch", PACK, p3, "-o", out, "--quiet", "--year", "2023", "--kind", "self", "--archive",
                env={"JIXIAO_ARCHIVE": url})
    assert r.code == 0, r
    assert _sql(url, "SELECT count(*), min(year) FROM evaluation") == [(40, 2023)]
    r = run_cli("batch", PACK, p3, "-o", out, "--year", "2023", "--kind", "self", "--archive",
                env={"JIXIAO_ARCHIVE": ""})
    assert r.code == 2 and "JIXIAO_ARCHIVE" in r.stderr, r
    # Without --archive the variable alone archives nothing.
    other = tmp_path / "other.db"
    assert run_cli("batch", PACK, p3, "-o", out, "--quiet", env={"JIXIAO_ARCHIVE": f"sqlite:///{other}"}).code == 0
    assert not other.exists()


def test_review_archive_keeps_forms_as_self_evaluations_with_discrepancies(tmp_path, archive_url):
    forms = tmp_path / "forms"
    forms.mkdir()
    write_xlsx(forms / "a.xlsx", total="89.41")
    write_xlsx(forms / "b.xlsx", total="94", year=2022)  # stated 94, recomputed 89.41: two discrepancies
    out = tmp_path / "review.xlsx"
    r = run_cli("review", forms, "-o", out, "--archive", archive_url)
    assert r.code == 0 and "2 added" in r.stderr, r
    rows = _sql(archive_url, "SELECT id, source, kind, year, total, grade, project_name, unit FROM evaluation "
                             "ORDER BY source")
    assert [(Path(s).name, k, y, t) for _, s, k, y, t, *_ in rows] == [("a.xlsx", "self", 2023, "89.41"),
                                                                     ("b.xlsx", "self", 2022, "89.41")]
    assert rows[0][6] == "2023年义务教育阶段家庭经济困难学生生活补助" and rows[0][7] == "某县教育局（示例）"
    b_id = rows[1][0]
    disc = _sql(archive_url, f"SELECT code, detail FROM review_discrepancy WHERE evaluation_id = {b_id} ORDER BY seq")
    assert len(disc) == 2 and any('"stated":"94.00"' in d for _, d in disc), disc
    assert _sql(archive_url, f"SELECT count(*) FROM review_discrepancy WHERE evaluation_id = {rows[0][0]}") == [(0,)]
    assert _sql(archive_url, "SELECT count(DISTINCT evaluation_id) FROM leaf_score") == [(2,)]
    r = run_cli("review", forms, "-o", out, "--archive", archive_url)
    assert r.code == 0 and "2 already archived" in r.stderr, r
    # Another form of the same project and year: refused, naming both files; nothing written.
    write_xlsx(forms / "c.xlsx", total="88")
    before = out.read_bytes()
    r = run_cli("review", forms, "-o", out, "--archive", archive_url)
    assert r.code == 3 and "a.xlsx" in r.stderr and "c.xlsx" in r.stderr and "--replace" in r.stderr, r
    assert out.read_bytes() == before and len(_sql(archive_url, "SELECT id FROM evaluation")) == 2
