"""ticket management keys: ticket.manage_key_hash, filled for the tickets already issued

Revision ID: 0007_manage_key
Revises: 0006_leaderboard
Create Date: 2026-12-07 02:10:00

The column is added NOT NULL with an empty default in one ALTER TABLE, which SQLite
does in place. Adding it nullable and tightening it after would make SQLite copy the
ticket table and drop the original, and with foreign keys on, that drop deletes
the votes and ballots that cascade from tickets (and fails on their day entries).

Existing tickets then get the hash of a fresh random key that nobody is told: they
stay valid at the gates, and "find my ticket" mails their holders a working
management link (it issues a new key). The key is made here rather than by app
code, so that this migration does the same whatever the app becomes.
"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_manage_key'
down_revision = '0006_leaderboard'
branch_labels = None
depends_on = None

ticket = sa.table('ticket', sa.column('id', sa.Integer), sa.column('manage_key_hash', sa.String))


def _unknown_hash() -> str:
    return hashlib.sha256(secrets.token_urlsafe(16).encode()).hexdigest()


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manage_key_hash', sa.String(length=64), server_default='', nullable=False))

    connection = op.get_bind()
    ids = connection.execute(sa.select(ticket.c.id)).scalars().all()
    if ids:
        connection.execute(ticket.update().where(ticket.c.id == sa.bindparam('ticket_id'))
                           .values(manage_key_hash=sa.bindparam('key_hash')),
                           [{'ticket_id': ticket_id, 'key_hash': _unknown_hash()} for ticket_id in ids])


def downgrade():
    # Not in a batch: SQLite (3.35+) drops the column in place, without copying the table.
    op.drop_column('ticket', 'manage_key_hash')
