"""The results archive against real databases: a SQLite file and a throw-away PostgreSQL cluster.

Every test runs the CLI as a subprocess, as a user would, once per database."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from conftest import ROOT, SEED, run_cli

PACK = "shanghai-consumer-protection-2018"


def seed_document(tmp_path, name="seed.json", **project) -> tuple:
    """The seed example's JSON document, with the project facts given written into a config copy."""
    r = run_cli("evaluate", SEED, "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    doc["project"].update(project)
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, doc


def listed(url, *args):
    r = run_cli("archive", "list", "--archive", url, "--format", "json", *args)
    assert r.code == 0, r
    return r.json()


def test_add_is_idempotent_and_keeps_every_leaf(tmp_path, archive_url):
    path, doc = seed_document(tmp_path, id="P-001", department="市场监管局", region="浦东新区",
                              unit="tab\there, back\\slash,\nnew line")  # COPY's escapes
    r = run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self")
    assert r.code == 0, r
    assert "1 added" in r.stderr
    r = run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self")
    assert r.code == 0 and "0 added" in r.stderr and "1 already archived" in r.stderr, r
    rows = listed(archive_url)
    assert len(rows) == 1
    row = rows[0]
    assert (row["pack"], row["project_id"], row["year"], row["kind"]) == (PACK, "P-001", 2018, "self")
    assert (row["total"], row["grade"], row["department"], row["region"]) == ("88.64", "良", "市场监管局", "浦东新区")
    assert row["project_name"] == doc["project"]["name"]
    assert row["unit"] == "tab\there, back\\slash,\nnew line"
    engine = sa.create_engine(archive_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        leaves = conn.execute(sa.text("SELECT code, score_e4, lost_e4 FROM leaf_scores ORDER BY code")).all()
        stored = conn.execute(sa.text("SELECT document, config_sha256 FROM evaluation")).one()
    engine.dispose()
    assert len(leaves) == len(doc["indicators"]) == 25
    by_code = {c: (s, lost) for c, s, lost in leaves}
    b32 = next(i for i in doc["indicators"] if i["code"] == "B32")
    assert by_code["B32"] == (int(float(b32["score"]) * 10000), int(float(b32["points_lost"]) * 10000))
    assert sum(s for s, _ in by_code.values()) == 886400
    assert json.loads(stored[0]) == doc and stored[1] == doc["run"]["config_sha256"]


def test_a_corrected_evaluation_needs_replace(tmp_path, archive_url):
    first, _ = seed_document(tmp_path, "a.json", id="P-001")
    second, _ = seed_document(tmp_path, "b.json", id="P-001", note="corrected")
    assert run_cli("archive", "add", first, "--archive", archive_url, "--kind", "recheck").code == 0
    (old,) = listed(archive_url)
    r = run_cli("archive", "add", second, "--archive", archive_url, "--kind", "recheck")
    assert r.code == 3, r
    assert "already holds another evaluation of project 'P-001', 2018, recheck" in r.stderr
    assert "--replace" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("archive", "add", second, "--archive", archive_url, "--kind", "recheck", "--replace")
    assert r.code == 0 and "1 replaced" in r.stderr, r
    rows = listed(archive_url)
    assert len(rows) == 1 and rows[0]["doc_sha256"] != old["doc_sha256"]  # the old one is gone
    # The same project as a self-evaluation is another record, not a clash.
    assert run_cli("archive", "add", first, "--archive", archive_url, "--kind", "self").code == 0
    assert [r["kind"] for r in listed(archive_url)] == ["recheck", "self"]


def test_a_failed_write_leaves_nothing(tmp_path, archive_url):
    good, _ = seed_document(tmp_path, "good.json", id="P-1")
    bad_path, doc = seed_document(tmp_path, "bad.json", id="P-2")
    doc["indicators"].append(dict(doc["indicators"][0]))  # the same leaf twice: the database refuses it
    bad_path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = run_cli("archive", "add", good, bad_path, "--archive", archive_url, "--kind", "self")
    assert r.code != 0, r
    assert listed(archive_url) == []
    r = run_cli("archive", "add", good, "--archive", archive_url, "--kind", "self")
    assert r.code == 0, r
    assert len(listed(archive_url)) == 1


def test_a_config_is_evaluated_and_archived_with_its_facts(tmp_path, archive_url, seed_copy):
    text = seed_copy.read_text(encoding="utf-8")
    assert "[project]\n" in text
    text = text.replace("[project]\n", '[project]\nid = "SH-2018-07"\ndepartment = "市场监管局"\nregion = "上海市"\n'
                        'budget = 1367.75\n', 1)
    seed_copy.write_text(text + '\n[archive]\nkind = "third-party"\n', encoding="utf-8")
    r = run_cli("archive", "add", seed_copy, "--archive", archive_url)
    assert r.code == 0, r
    (row,) = listed(archive_url, "--kind", "third-party")
    assert (row["project_id"], row["kind"], row["budget"], row["total"]) == ("SH-2018-07", "third-party", "1367.75", "88.64")
    assert listed(archive_url, "--kind", "self") == []


def test_unstated_kind_and_year_are_refused_with_their_place(tmp_path, archive_url):
    path, _ = seed_document(tmp_path, period="全年")
    r = run_cli("archive", "add", path, "--archive", archive_url)
    assert r.code == 2 and "$.project.kind" in r.stderr and "--kind" in r.stderr, r
    r = run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self")
    assert r.code == 2 and "$.project.year" in r.stderr and "'全年'" in r.stderr, r
    r = run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self", "--year", "2019")
    assert r.code == 0, r
    assert listed(archive_url, "--year", "2019")[0]["year"] == 2019


def test_batch_results_are_archived_in_bulk(tmp_path, archive_url):
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "200", "--pack", "seed",
                          "-o", str(tmp_path / "p.parquet"), "--seed", "3"], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    results = tmp_path / "r.csv"
    r = run_cli("batch", PACK, tmp_path / "p.parquet", "-o", results, "--quiet")
    assert r.code in (0, 3), r
    with results.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    r = run_cli("archive", "add", results, "--archive", archive_url)
    assert r.code == 2 and "--pack" in r.stderr, r
    r = run_cli("archive", "add", results, "--archive", archive_url, "--pack", PACK, "--year", "2023",
                "--kind", "self")
    assert r.code == 0, r
    rows = listed(archive_url, "--year", "2023")
    assert len(rows) == len(table) > 100
    first = table[0]
    got = next(x for x in rows if x["project_id"] == first["project_id"])
    assert got["total"] == first["total"] and got["grade"] == first["grade"]
    # Filters combine; grades given twice are either.
    grades = {x["grade"] for x in rows}
    some = min(grades)
    assert {x["grade"] for x in listed(archive_url, "--grade", some)} == {some}


def test_list_csv_never_makes_a_formula(tmp_path, archive_url):
    path, _ = seed_document(tmp_path, id="=HYPERLINK(\"http://x\")", department="+cmd")
    assert run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self").code == 0
    r = run_cli("archive", "list", "--archive", archive_url, "--format", "csv")
    assert r.code == 0, r
    assert "'=HYPERLINK" in r.stdout and ",'+cmd," in r.stdout


def test_two_writers_at_once_both_land(tmp_path, archive_url):
    paths = [seed_document(tmp_path, f"w{i}.json", id=f"P-{i}")[0] for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-m", "jixiao", "archive", "add", str(p), "--archive", archive_url,
                               "--kind", "self"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in paths]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(r["project_id"] for r in listed(archive_url)) == ["P-0", "P-1"]


def test_a_v1_archive_is_upgraded_and_opened(tmp_path, archive_url):
    from jixiao.archive.store import make_engine, upgrade

    engine = make_engine(archive_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO evaluation (id, doc_sha256, pack, pack_version, project_id, kind, year, total, total_e4,"
            " score_places, grade, document) VALUES (1, :sha, :pack, '2018.1', 'OLD-1', 'self', 2017, '80.00',"
            " 800000, 2, '良', '{}')"), {"sha": "0" * 64, "pack": PACK})
        conn.execute(sa.text("INSERT INTO leaf_score (evaluation_id, code, name, standard_e4, score_e4, lost_e4) "
                             "VALUES (1, 'A11', '战略目标适应性', 20000, 15000, 5000), (1, 'B11', NULL, NULL, 30000, NULL)"))
        assert "budget" not in {c["name"] for c in sa.inspect(conn).get_columns("evaluation")}
    engine.dispose()
    r = run_cli("archive", "list", "--archive", archive_url)
    assert r.code == 2 and "schema v1" in r.stderr and "jixiao archive upgrade" in r.stderr, r
    r = run_cli("archive", "upgrade", "--archive", archive_url)
    assert r.code == 0 and "v1 → schema v5" in r.stderr, r
    assert [x["project_id"] for x in listed(archive_url)] == ["OLD-1"]
    engine = make_engine(archive_url)
    with engine.connect() as conn:  # v1's leaf rows, names and standards kept through v3's leaf table
        kept = conn.execute(sa.text("SELECT evaluation_id, code, name, standard_e4, score_e4, lost_e4 "
                                    "FROM leaf_scores ORDER BY code")).all()
    engine.dispose()
    assert [tuple(k) for k in kept] == [(1, "A11", "战略目标适应性", 20000, 15000, 5000), (1, "B11", None, None, 30000, None)]
    path, _ = seed_document(tmp_path, id="NEW-1", budget="100.00")
    assert run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self").code == 0
    assert [(x["project_id"], x["budget"]) for x in listed(archive_url)] == [("OLD-1", None), ("NEW-1", "100.00")]
    r = run_cli("archive", "upgrade", "--archive", archive_url)
    assert r.code == 0 and "already at schema v5" in r.stderr, r


def test_a_v4_archive_keeps_its_citations_and_uniqueness_through_v5(archive_url):
    """v5 turns the two uniqueness constraints into named unique indexes (SQLite: the table is made anew);
    the citation rows, which cascade from evaluation, must survive, and both rules must still hold."""
    from jixiao.archive.store import make_engine, upgrade

    engine = make_engine(archive_url)
    upgrade(engine, "0004")
    row = ("INSERT INTO evaluation (id, doc_sha256, pack, project_id, kind, year, total, total_e4, score_places,"
           " document) VALUES (:id, :sha, :pack, :pid, 'self', 2023, '80.00', 800000, 2, '{}')")
    with engine.begin() as conn:
        conn.execute(sa.text(row), {"id": 7, "sha": "a" * 64, "pack": PACK, "pid": "P-7"})
        conn.execute(sa.text("INSERT INTO review_discrepancy VALUES (7, 0, 'A11', '{\"d\": 1}')"))
        conn.execute(sa.text("INSERT INTO evidence_citation VALUES (7, 0, 'B11', '{\"e\": 2}'), (7, 1, NULL, '{}')"))
    engine.dispose()
    r = run_cli("archive", "upgrade", "--archive", archive_url)
    assert r.code == 0 and "v4 → schema v5" in r.stderr, r
    engine = make_engine(archive_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT * FROM review_discrepancy")).all() == [(7, 0, "A11", '{"d": 1}')]
            assert conn.execute(sa.text("SELECT * FROM evidence_citation ORDER BY seq")).all() == [
                (7, 0, "B11", '{"e": 2}'), (7, 1, None, "{}")]
            unique = {i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("evaluation") if i["unique"]}
            assert unique == {"uq_evaluation_doc_sha256": ["doc_sha256"],
                              "uq_evaluation_project_year_kind": ["pack", "project_id", "year", "kind"]}
        for clash in ({"id": 8, "sha": "a" * 64, "pid": "P-8"}, {"id": 9, "sha": "b" * 64, "pid": "P-7"}):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text(row), {**clash, "pack": PACK})
        with engine.begin() as conn:  # deleting an evaluation still cascades to its citations
            conn.execute(sa.text("DELETE FROM evaluation WHERE id = 7"))
            assert conn.execute(sa.text("SELECT count(*) FROM evidence_citation")).scalar_one() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite:////no/such/folder/a.db"])
def test_bad_archive_urls(url):
    r = run_cli("archive", "list", "--archive", url)
    assert r.code == 2 and "--archive" in r.stderr and "Traceback" not in r.stderr, r


def test_no_archive_given_names_the_option_and_variable():
    r = run_cli("archive", "list", env={"JIXIAO_ARCHIVE": ""})
    assert r.code == 2 and "JIXIAO_ARCHIVE" in r.stderr, r


def test_evaluate_archive_keeps_what_it_printed(tmp_path, archive_url):
    r = run_cli("evaluate", SEED, "--format", "json", "--archive", archive_url, "--kind", "self")
    assert r.code == 0 and "archived in" in r.stderr, r
    (row,) = listed(archive_url)
    assert (row["total"], row["grade"], row["year"]) == (r.json()["total"], r.json()["grade"], 2018)
    r = run_cli("evaluate", SEED, "--archive", archive_url, "--kind", "self")
    assert r.code == 0 and "already archived" in r.stderr, r


def test_review_discrepancies_and_evidence_are_kept_when_present(tmp_path, archive_url):
    path, doc = seed_document(tmp_path, id="P-9")
    doc["review"] = {"discrepancies": [{"code": "B11", "stated": "3.44", "computed": "4.00"},
                                       {"code": "C21", "stated": "2.00", "computed": "1.50"}]}
    doc["evidence"] = [{"code": "B11", "file": "预算执行表.xlsx", "page": 3}]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert run_cli("archive", "add", path, "--archive", archive_url, "--kind", "self").code == 0
    engine = sa.create_engine(archive_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        disc = conn.execute(sa.text("SELECT code, detail FROM review_discrepancy ORDER BY seq")).all()
        evid = conn.execute(sa.text("SELECT code, detail FROM evidence_citation")).all()
    engine.dispose()
    assert [c for c, _ in disc] == ["B11", "C21"] and json.loads(disc[1][1])["computed"] == "1.50"
    assert [(c, json.loads(d)["file"]) for c, d in evid] == [("B11", "预算执行表.xlsx")]


def test_the_citations_of_an_evaluated_document_are_kept(tmp_path, archive_url):
    """A real document's evidence: the register {entries, require_citations} and each indicator's ids."""
    example = ROOT / "docs" / "examples" / "consumer-protection-2018-panel" / "evaluation.toml"
    r = run_cli("evaluate", example, "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    cites = [(i["code"], e) for i in doc["indicators"] for e in i.get("evidence", [])]
    assert cites, "the example cites evidence"
    path = tmp_path / "panel.json"
    path.write_text(r.stdout, encoding="utf-8")
    assert run_cli("archive", "add", path, "--archive", archive_url, "--kind", "third-party").code == 0
    engine = sa.create_engine(archive_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        evid = conn.execute(sa.text("SELECT code, detail FROM evidence_citation ORDER BY seq")).all()
    engine.dispose()
    titles = {e["id"]: e["title"] for e in doc["evidence"]["entries"]}
    got = [(c, json.loads(d)) for c, d in evid]
    assert [(c, d["id"]) for c, d in got if c is not None] == cites
    assert all(d["title"] == titles[d["id"]] for _, d in got)
    uncited = set(titles) - {e for _, e in cites}
    assert {d["id"] for c, d in got if c is None} == uncited
    assert not any(c in ("entries", "require_citations") for c, _ in got)


def test_bulk_rows_with_awkward_text_come_back_as_written(archive_url):
    """A batch of more than one bulk buffer (CHUNK rows) whose identifying columns hold quotes, commas,
    tabs, new lines, backslashes, characters outside the BMP, empty text and NULL: every value is read
    back as written (PostgreSQL's binary COPY rows are built by numpy from Arrow's buffers)."""
    import numpy as np

    from jixiao.archive import Archive
    from jixiao.archive.bulk import of_batch
    from jixiao.archive.store import CHUNK

    n = CHUNK + 7
    odd = ['a"b,c', "tab\there", "new\nline\r\n", "back\\slash", "𝔘中文", "", None]
    names = [odd[i % len(odd)] for i in range(n)]
    depts = [None if i % 3 == 0 else f"部门{i % 5}" for i in range(n)]
    scores = (np.arange(n * 2, dtype=np.int64).reshape(n, 2) % 7) * 10000
    ev = of_batch(pack=PACK, pack_version=None, kind="self", year=2023, places=2, source="p.csv",
                  project_id=[f"P{i:06d}" for i in range(n)], ids={"project_name": names, "department": depts},
                  total_e4=scores.sum(1), grade=[None if i % 2 else "良" for i in range(n)],
                  leaves=[("A1", "甲", 100000), ("A2", None, None)], scores_e4=scores, row_numbers=np.arange(2, n + 2))
    archive = Archive(archive_url)
    try:
        assert archive.add(ev)["added"] == n
        rows = archive.query(pack=PACK)
    finally:
        archive.close()
    assert [r["project_name"] for r in rows] == names
    assert [r["department"] for r in rows] == depts
    assert [r["grade"] for r in rows] == [None if i % 2 else "良" for i in range(n)]
    assert [r["total_e4"] for r in rows] == scores.sum(1).tolist()
    assert [r["pack_version"] for r in rows] == [None] * n and {r["year"] for r in rows} == {2023}
