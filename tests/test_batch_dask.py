"""Issue 14 §6: ``jixiao batch --engine dask`` over a Parquet dataset (a folder of partitions) on a real
dask.distributed LocalCluster gives the single-process results, error file and summary to the digit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from test_batch import PACK, generate

distributed = pytest.importorskip("distributed")
N = 900


@pytest.fixture(scope="session")
def cluster():
    """Two small worker processes reachable over TCP, so the CLI (a subprocess) can use them with --scheduler
    (in-process workers would import jixiao through pytest's assertion rewriting)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                  dashboard_address=":0", memory_limit="1GiB") as c:
        yield c.scheduler_address


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> tuple[Path, Path]:
    """The same portfolio as one file and as a folder of three partitions of unequal size, with bad rows
    in two partitions and names for the summary."""
    d = tmp_path_factory.mktemp("dask")
    t = pq.read_table(generate(N, d / "g.parquet", seed=5))
    t = t.append_column("项目名称", pa.array([f"项目{i}" for i in range(N)], pa.string()))
    t = t.append_column("department", pa.array([f"部门{i % 4}" for i in range(N)], pa.string()))
    done = t.column("spot_check_done").combine_chunks().to_pylist()
    done[5] = done[650] = -1
    t = t.set_column(t.column_names.index("spot_check_done"), "spot_check_done", pa.array(done, pa.int64()))
    pq.write_table(t, d / "whole.parquet")
    parts = d / "parts"
    parts.mkdir()
    for k, (a, b) in enumerate([(0, 100), (100, 600), (600, N)]):
        pq.write_table(t.slice(a, b - a), parts / f"part-{k}.parquet")
    return d / "whole.parquet", parts


def test_dask_gives_the_single_process_results(cluster, dataset, tmp_path):
    whole, parts = dataset
    common = ("--group-by", "department", "--quiet")
    local = run_cli("batch", PACK, whole, "-o", tmp_path / "local.parquet", "--summary", tmp_path / "l.json",
                    "--errors", tmp_path / "l.csv", *common)
    dask = run_cli("batch", PACK, parts, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", cluster,
                   "--summary", tmp_path / "d.json", "--errors", tmp_path / "d.csv", *common)
    assert local.code == dask.code == 3, (local, dask)
    assert "Traceback" not in dask.stderr
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    got = pa.concat_tables([pq.read_table(f) for f in files])
    want = pq.read_table(tmp_path / "local.parquet")
    assert got.schema == want.schema
    assert got.equals(want)
    assert [pq.read_table(f).num_rows for f in files] == [99, 500, 299]  # the bad rows are not results
    assert (tmp_path / "d.json").read_bytes() == (tmp_path / "l.json").read_bytes()
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "l.csv").read_bytes()


def test_dask_refuses_a_bad_dataset_before_scoring(cluster, dataset, tmp_path):
    _, parts = dataset
    odd = tmp_path / "odd"
    odd.mkdir()
    t = pq.read_table(parts / "part-0.parquet")
    pq.write_table(t, odd / "a.parquet")
    pq.write_table(t.drop_columns(["spot_check_done"]), odd / "b.parquet")
    r = run_cli("batch", PACK, odd, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", cluster)
    assert r.code == 2 and "b.parquet" in r.stderr and "columns differ" in r.stderr, r
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    r = run_cli("batch", PACK, parts, "-o", tmp_path / "r.parquet", "--engine", "dask", "--scheduler", cluster)
    assert r.code == 2 and "folder" in r.stderr, r


def test_missing_dask_names_the_extra(dataset, tmp_path):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "distributed.py").write_text("raise ImportError('No module named distributed')\n", encoding="utf-8")
    _, parts = dataset
    r = run_cli("batch", PACK, parts, "-o", tmp_path / "out", "--engine", "dask", env={"PYTHONPATH": str(shadow)})
    assert r.code == 2, r
    assert "pip install jixiao[dask]" in r.stderr and "Traceback" not in r.stderr


def test_dask_pefa_text_columns_equal_the_single_process_ones(cluster, tmp_path):
    """PEFA's marks: each partition keeps its own codes and labels; the results are the single process's."""
    import subprocess
    import sys

    from conftest import ROOT

    raw = tmp_path / "pefa.parquet"
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "300", "--pack", "pefa",
                          "-o", str(raw), "--seed", "3"], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    t = pq.read_table(raw)
    parts = tmp_path / "parts"
    parts.mkdir()
    for k, (a, b) in enumerate([(0, 7), (7, 200), (200, 300)]):
        pq.write_table(t.slice(a, b - a), parts / f"part-{k}.parquet")
    local = run_cli("batch", "pefa-2016", raw, "-o", tmp_path / "local.parquet", "--quiet")
    dask = run_cli("batch", "pefa-2016", parts, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", cluster,
                   "--quiet")
    assert local.code == dask.code == 0, (local, dask)
    got = pa.concat_tables([pq.read_table(f) for f in sorted((tmp_path / "out").iterdir())])
    want = pq.read_table(tmp_path / "local.parquet")
    assert got.schema == want.schema and got.equals(want)
    assert set(want.column("PI-1.1").to_pylist()) <= {"A", "B", "C", "D", "D*", "NA", "NU"}
