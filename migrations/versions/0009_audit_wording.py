"""audit wording: each entry keeps its summary's English text and values, to be shown in the reader's language

A nullable JSON column, added and dropped in place; entries written before it keep their English
summary.

Revision ID: 0009_audit_wording
Revises: 0008_operating_rules
Create Date: 2026-12-07 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_audit_wording'
down_revision = '0008_operating_rules'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording', sa.JSON(), nullable=True))


def downgrade():
    # In place (SQLite 3.35+): copying audit_entry would be a rewrite of the whole log for one column.
    op.drop_column('audit_entry', 'wording')
