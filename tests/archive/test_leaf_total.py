"""The maintained aggregate ``leaf_total`` (schema v4) on both real databases: after every kind of write
(a bulk add, an add of more, a replace, documents, an upgrade from v3) it equals a recomputation from
``leaf_score``, and ``compare peers`` gives the same JSON from it as from the long form."""

from __future__ import annotations

import json

import numpy as np
import sqlalchemy as sa

from conftest import run_cli

PACK = "shanghai-consumer-protection-2018"
RECOMPUTE = """SELECT e.pack, e.year, e.kind, e.department, e.region, s.leaf_id, count(*), sum(s.score_e4),
       sum(l.standard_e4 - s.score_e4), sum(CASE WHEN s.score_e4 < l.standard_e4 THEN 1 ELSE 0 END)
FROM leaf_score s JOIN evaluation e ON e.id = s.evaluation_id JOIN leaf l ON l.id = s.leaf_id
GROUP BY e.pack, e.year, e.kind, e.department, e.region, s.leaf_id"""
KEPT = ("SELECT pack, year, kind, department, region, leaf_id, scored, score_sum_e4, lost_sum_e4, below_standard "
        "FROM leaf_total")
LEAVES = [("A1", "甲", 20000), ("A2", "乙", 0), ("B1", None, None), ("B2", "丁", 123456)]


def _rows(conn, sql):
    return sorted((tuple(None if v is None else int(v) if isinstance(v, int) or hasattr(v, "as_tuple") else v
                         for v in r) for r in conn.execute(sa.text(sql))), key=repr)


def assert_aggregate_exact(url):
    from jixiao.archive.store import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        kept, again = _rows(conn, KEPT), _rows(conn, RECOMPUTE)
    engine.dispose()
    assert kept == again
    assert all(r[6] > 0 for r in kept)  # no row of count 0 is left behind
    return kept


def batch(n, *, seed, year=2023, kind="self", prefix="P", depts=("教育局", "卫健委", None), regions=("区1", None)):
    """Batch-shaped evaluations: scores at the boundaries (0, the standard, just below and above it) and random."""
    from jixiao.archive.bulk import of_batch

    rng = np.random.default_rng(seed)
    cols = []
    for _, _, std in LEAVES:
        top = std or 50000
        pick = np.array([0, top, max(top - 1, 0), top + 1, rng.integers(0, top + 2)])
        cols.append(pick[rng.integers(0, len(pick), n)])
    scores = np.stack(cols, axis=1).astype(np.int64)
    return of_batch(pack=PACK, pack_version="t", kind=kind, year=year, places=4, source=f"s{seed}",
                    project_id=[f"{prefix}{i:05d}" for i in range(n)],
                    ids={"department": [depts[i % len(depts)] for i in range(n)],
                         "region": [regions[(i // 2) % len(regions)] for i in range(n)]},
                    total_e4=scores.sum(1), grade=[["优", "良", None][i % 3] for i in range(n)], leaves=LEAVES,
                    scores_e4=scores, row_numbers=np.arange(2, n + 2))


def same_peers(url, **kw):
    from jixiao.archive import Archive
    from jixiao.compare import peers

    archive = Archive(url)
    try:
        new = json.dumps(peers(archive, **kw), ensure_ascii=False)
        old = json.dumps(peers(archive, _aggregate=False, **kw), ensure_ascii=False)
    finally:
        archive.close()
    assert new == old
    return json.loads(new)


def test_the_aggregate_follows_adds_replaces_and_documents(tmp_path, archive_url):
    from jixiao.archive import Archive

    archive = Archive(archive_url)
    try:
        assert archive.add(batch(300, seed=1))["added"] == 300  # a first (bulk) load
        first = assert_aggregate_exact(archive_url)
        assert {r[3] for r in first} == {"教育局", "卫健委", None} and {r[4] for r in first} == {"区1", None}
        assert archive.add(batch(40, seed=2, prefix="Q", depts=("农业局", None)))["added"] == 40  # more
        assert archive.add(batch(50, seed=3, year=2022))["added"] == 50  # another portfolio
        assert_aggregate_exact(archive_url)
        counts = archive.add(batch(60, seed=4, depts=("卫健委", "新部门")), replace=True)  # changed figures
        assert counts["replaced"] == 60 and counts["added"] == 0, counts
        kept = assert_aggregate_exact(archive_url)
        assert "新部门" in {r[3] for r in kept}
        # Replaced away entirely: P00000..P00059 of 2022 moved to one department, the others' rows stay exact.
        archive.add(batch(50, seed=5, year=2022, depts=("唯一",), regions=("区9",)), replace=True)
        kept = assert_aggregate_exact(archive_url)
        assert {(r[3], r[4]) for r in kept if r[1] == 2022} == {("唯一", "区9")}
    finally:
        archive.close()
    # Documents (a leaf list each) through the CLI.
    doc = run_cli("evaluate", __import__("conftest").SEED, "--format", "json").json()
    for i, dept in enumerate(["教育局", None]):
        d = json.loads(json.dumps(doc))
        d["project"].update(id=f"D-{i}", department=dept)
        (tmp_path / f"d{i}.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    r = run_cli("archive", "add", tmp_path / "d0.json", tmp_path / "d1.json", "--archive", archive_url,
                "--kind", "self", "--year", "2023")
    assert r.code == 0, r
    assert_aggregate_exact(archive_url)
    rep = same_peers(archive_url, pack=PACK, year=2023, kind="self", by="department")
    assert rep["projects"] == 342 and rep["indicators_losing_most"]
    for kw in ({"department": ["卫健委", "农业局"]}, {"region": ["区1"]}, {"department": ["教育局"], "region": ["区1"]}):
        same_peers(archive_url, pack=PACK, year=2023, kind="self", by="region", ranking=5, **kw)
    same_peers(archive_url, pack=PACK, year=2022, kind="self", by="unit", top=2)


def test_a_failed_add_leaves_the_aggregate_as_it_was(archive_url):
    from jixiao.archive import Archive
    from jixiao.errors import DataError

    archive = Archive(archive_url)
    try:
        archive.add(batch(30, seed=7))
        before = assert_aggregate_exact(archive_url)
        try:
            archive.add(batch(30, seed=8))  # the same projects with other figures, no replace: refused
        except DataError:
            pass
        else:
            raise AssertionError("a clash without replace was accepted")
        assert assert_aggregate_exact(archive_url) == before
    finally:
        archive.close()


def test_an_upgrade_from_v3_fills_the_aggregate(archive_url):
    from jixiao.archive.store import make_engine, upgrade

    engine = make_engine(archive_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO leaf (id, pack, code, name, standard_e4) VALUES "
                             "(1, :p, 'A1', '甲', 20000), (2, :p, 'B1', NULL, NULL)"), {"p": PACK})
        for i, (dept, year, s1, s2) in enumerate([("教育局", 2023, 20000, 5), (None, 2023, 19999, 7),
                                                  ("教育局", 2023, 0, 9), ("教育局", 2022, 25000, 1)], 1):
            conn.execute(sa.text(
                "INSERT INTO evaluation (id, doc_sha256, pack, project_id, kind, year, total, total_e4, score_places,"
                " grade, document, department) VALUES (:i, :sha, :p, :pid, 'self', :y, '1', 10000, 2, '良', '{}', :d)"),
                {"i": i, "sha": f"{i:064d}", "p": PACK, "pid": f"OLD-{i}", "y": year, "d": dept})
            conn.execute(sa.text("INSERT INTO leaf_score (evaluation_id, leaf_id, score_e4) VALUES (:i, 1, :a), (:i, 2, :b)"),
                         {"i": i, "a": s1, "b": s2})
    engine.dispose()
    r = run_cli("archive", "list", "--archive", archive_url)
    assert r.code == 2 and "schema v3" in r.stderr, r
    r = run_cli("archive", "upgrade", "--archive", archive_url)
    assert r.code == 0 and "v3 → schema v5" in r.stderr, r
    kept = assert_aggregate_exact(archive_url)
    assert (PACK, 2023, "self", "教育局", None, 1, 2, 20000, 20000, 1) in kept
    assert (PACK, 2023, "self", "教育局", None, 2, 2, 14, None, 0) in kept
    assert len(kept) == 6
    same_peers(archive_url, pack=PACK, year=2023, kind="self", by="department")
