"""Schema v3: leaf scores stored narrow for bulk loads (1,000,000 batch results, 25 leaves each).

- ``leaf``: one row per distinct (pack, code, name, standard) — what every evaluation of a pack
  repeats; ``leaf_score`` keeps (evaluation_id, leaf_id, score_e4) only, clustered on its primary
  key (SQLite ``WITHOUT ROWID``), with no secondary index and no foreign keys (a per-row
  foreign-key check would double a bulk load; jixiao writes and deletes an evaluation's leaf rows
  with it, in the same transaction). Points lost are standard − score.
- the view ``leaf_scores`` shows the long form as v2 stored it (code, name, standard_e4, score_e4,
  lost_e4), for SQL written by hand;
- evaluation indexes: one (pack, year, kind, department) for the comparisons in place of the three
  (pack, year), (department, year), (region, year).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEW = """CREATE VIEW leaf_scores AS
SELECT s.evaluation_id, l.code, l.name, l.standard_e4, s.score_e4, l.standard_e4 - s.score_e4 AS lost_e4
FROM leaf_score s JOIN leaf l ON l.id = s.leaf_id"""


def upgrade() -> None:
    op.create_table(
        "leaf",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pack", sa.String(200), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("standard_e4", sa.BigInteger),
    )
    op.create_index("ix_leaf_pack_code", "leaf", ["pack", "code"])
    op.create_table(
        "leaf_score_v3",
        sa.Column("evaluation_id", sa.Integer, primary_key=True),
        sa.Column("leaf_id", sa.Integer, primary_key=True),
        sa.Column("score_e4", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO leaf (pack, code, name, standard_e4) SELECT DISTINCT e.pack, s.code, s.name, s.standard_e4 "
               "FROM leaf_score s JOIN evaluation e ON e.id = s.evaluation_id")
    op.execute("INSERT INTO leaf_score_v3 (evaluation_id, leaf_id, score_e4) "
               "SELECT s.evaluation_id, l.id, s.score_e4 FROM leaf_score s JOIN evaluation e ON e.id = s.evaluation_id "
               "JOIN leaf l ON l.pack = e.pack AND l.code = s.code "
               "AND (l.name = s.name OR (l.name IS NULL AND s.name IS NULL)) "
               "AND (l.standard_e4 = s.standard_e4 OR (l.standard_e4 IS NULL AND s.standard_e4 IS NULL))")
    op.drop_index("ix_leaf_score_code", "leaf_score")
    op.drop_table("leaf_score")
    op.rename_table("leaf_score_v3", "leaf_score")
    op.execute(VIEW)
    op.drop_index("ix_evaluation_pack_year", "evaluation")
    op.drop_index("ix_evaluation_department_year", "evaluation")
    op.drop_index("ix_evaluation_region_year", "evaluation")
    op.create_index("ix_evaluation_pack_year_kind_department", "evaluation", ["pack", "year", "kind", "department"])


def downgrade() -> None:
    raise NotImplementedError("schema v3 is not downgraded; restore the backup taken before the upgrade")
