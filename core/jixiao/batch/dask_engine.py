"""``jixiao batch --engine dask``: a Parquet dataset (a folder of partitions) scored on a dask.distributed
cluster — the compiled program and the fallback rows per partition on the workers, results written per
partition, the summary a reduce of exact counts at the client.

Two rounds of tasks: (1) each partition is scored (:func:`jixiao.batch.score_chunk`) and its scored rows
written beside the output as a temporary file; the task returns the partition's totals (int64), its
tally, errors and ids. (2) After the ranks are computed from all totals at the client, each partition's
results file is written with its ranks. The files are renamed into place only when every task has
succeeded, so a failed run leaves the old results as they were.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError

_PLANS: dict[tuple[Any, ...], Any] = {}
"""Plans compiled on this worker, by the run's settings (a worker compiles each pack once)."""

INSTALL_HINT = "pip install jixiao[dask]"


def _client(scheduler: str | None, jobs: int) -> Any:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(f"--engine dask needs dask.distributed, which is not installed; {INSTALL_HINT}",
                          path="--engine") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}", path="--scheduler") from None
    import logging

    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def partitions(dataset: str) -> list[Path]:
    """The dataset's partitions in order: the ``*.parquet`` files of a folder (sorted by name), or one file."""
    p = Path(dataset)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".parquet" and not f.name.startswith("."))
        if not files:
            raise ConfigError("the folder has no .parquet partitions", file=dataset)
        return files
    if p.suffix.lower() != ".parquet" or not p.is_file():
        raise ConfigError("--engine dask reads a Parquet dataset: a folder of .parquet partitions or one .parquet "
                          "file", file=dataset)
    return [p]


def _plan(settings: tuple[Any, ...]) -> Any:
    plan = _PLANS.get(settings)
    if plan is None:
        from ..plugins import Registry
        from . import make_plan

        pack_or_config, columns, file, disabled, ignore, fill, lang, keep, group_by, nodes = settings
        plan = make_plan(pack_or_config, list(columns), file, registry=Registry(disabled=disabled),
                         ignore_columns=ignore, fill_from_template=fill, lang=lang, keep=keep, group_by=group_by,
                         suffix=".parquet", nodes=nodes)
        _PLANS[settings] = plan
    return plan


def score_partition(settings: tuple[Any, ...], path: str, offset: int, tmp: str, group_by: str | None) -> dict:
    """Round 1 on a worker: one partition scored, its scored rows written to ``tmp`` (no ranks yet)."""
    import pyarrow.parquet as pq

    from . import Tally, TextLabels, score_chunk
    from .portfolio import Portfolio

    plan = _plan(settings)
    part = Portfolio(Path(path), pq.read_table(path), header_rows=0, offset=offset)
    res = score_chunk(plan, part)
    texts = TextLabels()  # the text leaves' codes stay in the partition's file; only their labels travel
    pq.write_table(texts.coded(res.table, res.texts), tmp, compression="zstd")
    tally = Tally(plan, group_by)
    tally.add(res.table)
    return {"n": res.n, "scored": res.table.num_rows, "totals": np.asarray(res.table.column("total").to_numpy()),
            "tally": tally, "texts": texts.labels, "errors": res.errors, "engine_rows": res.engine_rows,
            "filled": res.filled, "ids": res.ids}


def finish_partition(settings: tuple[Any, ...], tmp: str, final_tmp: str, start: int, rank: Any,
                     texts: dict[str, list[str]], wanted: list[int], name_col: str | None) -> dict:
    """Round 2 on a worker: the partition's results file with its ranks; the named projects it holds.
    ``texts``: every text leaf (and --nodes group) of the run, with the labels this partition's codes index
    (none: numbers)."""
    import pyarrow.parquet as pq

    from . import pick_named, result_table

    plan = _plan(settings)
    t = pq.read_table(tmp)
    local_rank = None if rank is None else np.asarray(rank)
    out = result_table(plan, t, 0, local_rank, texts)
    if texts:  # a leaf (or group) scored as text somewhere is a text column in every partition
        import pyarrow as pa

        out = out.cast(pa.schema([pa.field(f.name, pa.string()) if f.name in texts else f for f in out.schema]))
    pq.write_table(out, final_tmp, compression="zstd")
    os.unlink(tmp)
    return pick_named(t, start, set(wanted), name_col)


def run_dask(pack_or_config: str, dataset: str, output: str, *, scheduler: str | None, jobs: int,
             errors_path: str | None, summary_path: str | None, disabled: tuple[str, ...],
             ignore_columns: tuple[str, ...], fill_from_template: bool, csv_encoding: str, lang: str,
             keep: tuple[str, ...], group_by: str | None, nodes: bool = False) -> Any:
    import attrs
    import pyarrow.parquet as pq

    from ..plugins import Registry
    from . import BatchOutcome, IdCheck, Tally, make_plan, message, ranks_of
    from .output import (
        build_summary,
        check_outputs,
        check_suffix,
        deferred,
        write_errors,
        write_summary,
    )

    files = partitions(dataset)
    out = Path(output)
    if out.suffix:
        raise ConfigError("--engine dask writes one results file per partition into a folder; give -o a folder "
                          "name (no suffix)", file=output, path="-o")
    if out.exists() and not out.is_dir():
        raise ConfigError("exists and is not a folder", file=output, path="-o")
    asked_errors = errors_path
    errors_path = errors_path or str(out.parent / (out.name + ".errors.csv"))
    outs = [("--errors", errors_path)] + ([("--summary", summary_path)] if summary_path else [])
    check_outputs(outs, [str(f) for f in files])
    if summary_path:
        check_suffix(summary_path, (".json", ".md", ".xlsx"), "summary", "--summary")
    check_suffix(errors_path, (".csv",), "error file", "--errors")
    schemas = [pq.read_schema(f) for f in files]
    columns = [c.strip() for c in schemas[0].names]
    for f, sch in zip(files, schemas, strict=True):
        if [c.strip() for c in sch.names] != columns:
            raise ConfigError(f"the partition's columns differ from those of {files[0].name}", file=str(f))
    counts = [pq.ParquetFile(f).metadata.num_rows for f in files]
    offsets = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64).tolist()
    file = str(dataset)
    plan = make_plan(pack_or_config, columns, file, registry=Registry(disabled=disabled),
                     ignore_columns=ignore_columns, fill_from_template=fill_from_template, lang=lang, keep=keep,
                     group_by=group_by, suffix=".parquet", nodes=nodes)
    settings = (pack_or_config, tuple(columns), file, tuple(disabled), tuple(ignore_columns), fill_from_template,
                lang, tuple(keep), group_by, nodes)
    out.mkdir(parents=True, exist_ok=True)
    client, cluster = _client(scheduler, jobs)
    tmps = [str(out / f".part-{k:05d}.scored.tmp") for k in range(len(files))]
    finals = [out / f"part-{k:05d}.parquet" for k in range(len(files))]
    final_tmps = [str(out / f".part-{k:05d}.parquet.tmp") for k in range(len(files))]
    try:
        futures = [client.submit(score_partition, settings, str(f), off, tmp, group_by, pure=False)
                   for f, off, tmp in zip(files, offsets, tmps, strict=True)]
        parts = client.gather(futures)
        tally = Tally(plan, group_by)
        ids = IdCheck(file)
        texts: dict[str, list[str]] = {}  # the run's text leaves (in the order met), for every partition
        errors: list[Any] = []
        scored = n = engine_rows = filled = 0
        starts = []
        for k, r in enumerate(parts):
            if r["ids"] is not None:
                ids.add(_Rows(offsets[k], r["n"]), r["ids"], offsets[k])
            for c in r["texts"]:
                texts.setdefault(c, [])
            starts.append(scored)
            tally.merge(r["tally"])
            errors += r["errors"]
            n += r["n"]
            scored += r["scored"]
            engine_rows += r["engine_rows"]
            filled += r["filled"]
        ids.check()
        total = np.concatenate([r["totals"] for r in parts]).astype(np.int64)
        rank = order = None
        if plan.has_total and scored:
            rank, order = ranks_of(total)
        top = 10
        wanted = [] if order is None else sorted({int(i) for i in (*order[:top], *order[max(scored - top, 0):])})
        name_col = next((c for c in ("项目名称", "name") if c in plan.kept), None)
        futures = []
        for k, r in enumerate(parts):
            s0 = starts[k]
            mine = [i for i in wanted if s0 <= i < s0 + r["scored"]]
            futures.append(client.submit(finish_partition, settings, tmps[k], final_tmps[k], s0,
                                         None if rank is None else rank[s0:s0 + r["scored"]],
                                         {c: r["texts"].get(c, []) for c in texts}, mine, name_col,
                                         pure=False))
        named: dict[int, Any] = {}
        for got in client.gather(futures):
            named.update(got)
        errors.sort(key=lambda e: e.row)
        if lang == "zh":
            errors = [attrs.evolve(e, message=message(e.message, "zh")) for e in errors]
        with deferred():
            if asked_errors or errors:
                write_errors(errors_path, errors, csv_encoding=csv_encoding)
            if summary_path:
                grade_order = [b.label for b in plan.scheme.bands] if plan.scheme is not None else []
                summary = build_summary(
                    pack=plan.pack, n_rows=n, n_ok=scored, errors=len({e.row for e in errors}),
                    fallback_rows=engine_rows, tally=tally, has_grades=plan.scheme is not None and plan.has_total,
                    has_total=plan.has_total, leaves=[c for c in plan.codes if c not in texts], scale=plan.sp,
                    grade_order=grade_order, order=order, ranks=rank, total=total, named=named, top=top,
                    filled_from_template=filled, group_by=group_by)
                write_summary(summary_path, summary)
            for old in out.glob("part-*.parquet"):
                if old not in finals:
                    old.unlink()
            for tmp, final in zip(final_tmps, finals, strict=True):
                os.replace(tmp, final)
    finally:
        for p in (*tmps, *final_tmps):
            Path(p).unlink(missing_ok=True)
        client.close()
        if cluster is not None:
            cluster.close()
    return BatchOutcome(projects=n, scored=scored, errors=errors, engine_rows=engine_rows,
                        columnar=plan.program.vectorised, reasons=plan.program.reasons,
                        ignored_columns=plan.layout.ignored, filled_from_template=filled)


class _Rows:
    """Row numbers of a partition for the id check: record numbers across the dataset."""

    def __init__(self, offset: int, n: int) -> None:
        self.n, self.offset, self.header_rows, self._row_numbers = n, offset, 0, None

    def row_number(self, i: int) -> int:
        return self.offset + i + 1


__all__ = ["INSTALL_HINT", "finish_partition", "partitions", "run_dask", "score_partition"]
