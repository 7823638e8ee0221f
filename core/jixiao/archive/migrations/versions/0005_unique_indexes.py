"""Schema v5: the evaluation table's two uniqueness rules become named unique indexes.

``doc_sha256`` (the same document is not stored twice) and (pack, project_id, year, kind) (one
evaluation of a project per year and kind) were table constraints. SQLite keeps a table constraint
as an automatic index that cannot be dropped, so a bulk load had to insert 1,000,000 random digests
into a B-tree one by one (≈ 40% of the evaluation rows' write time). As named unique indexes
(``uq_evaluation_doc_sha256``, ``uq_evaluation_project_year_kind``) they are dropped by a bulk load
in its transaction and built again after it by one sort, like the other secondary indexes, and
checked again then. What they enforce is unchanged.

SQLite cannot drop a table constraint: the table is made anew and its rows copied. Its citation
tables refer to it with ``ON DELETE CASCADE`` and the store opens connections with
``foreign_keys=ON`` (which cannot be switched off inside the migration's transaction), so dropping the
old table would delete their rows: they are kept aside in temporary tables and written back after the
new table has taken the old one's name. PostgreSQL drops the constraints and creates the indexes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("id, doc_sha256, pack, pack_version, project_id, project_name, unit, department, region, year, period, "
           "kind, total, total_e4, score_places, grade, config_sha256, source, document, budget")
CITATIONS = ("review_discrepancy", "evidence_citation")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.create_table(
            "evaluation_v5",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("doc_sha256", sa.String(64), nullable=False),
            sa.Column("pack", sa.String(200), nullable=False),
            sa.Column("pack_version", sa.String(50)),
            sa.Column("project_id", sa.String(200), nullable=False),
            sa.Column("project_name", sa.Text),
            sa.Column("unit", sa.Text),
            sa.Column("department", sa.Text),
            sa.Column("region", sa.Text),
            sa.Column("year", sa.Integer),
            sa.Column("period", sa.Text),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("total", sa.String(40), nullable=False),
            sa.Column("total_e4", sa.BigInteger, nullable=False),
            sa.Column("score_places", sa.Integer, nullable=False),
            sa.Column("grade", sa.String(50)),
            sa.Column("config_sha256", sa.String(64)),
            sa.Column("source", sa.Text),
            sa.Column("document", sa.Text, nullable=False),
            sa.Column("budget", sa.String(40)),
        )
        op.execute(f"INSERT INTO evaluation_v5 ({COLUMNS}) SELECT {COLUMNS} FROM evaluation ORDER BY id")
        for t in CITATIONS:
            op.execute(f"CREATE TEMP TABLE jixiao_keep_{t} AS SELECT * FROM {t}")
        op.execute("DROP INDEX IF EXISTS ix_evaluation_pack_year_kind_department")
        op.execute("DROP TABLE evaluation")  # with foreign_keys=ON this deletes the citations kept aside above
        op.execute("ALTER TABLE evaluation_v5 RENAME TO evaluation")
        for t in CITATIONS:
            op.execute(f"INSERT INTO {t} SELECT * FROM jixiao_keep_{t}")
            op.execute(f"DROP TABLE jixiao_keep_{t}")
        op.create_index("ix_evaluation_pack_year_kind_department", "evaluation", ["pack", "year", "kind", "department"])
    else:
        op.execute("ALTER TABLE evaluation DROP CONSTRAINT evaluation_doc_sha256_key")
        op.execute("ALTER TABLE evaluation DROP CONSTRAINT uq_evaluation_project_year_kind")
    op.create_index("uq_evaluation_doc_sha256", "evaluation", ["doc_sha256"], unique=True)
    op.create_index("uq_evaluation_project_year_kind", "evaluation", ["pack", "project_id", "year", "kind"], unique=True)


def downgrade() -> None:
    raise NotImplementedError("schema v5 is not downgraded; restore the backup taken before the upgrade")
