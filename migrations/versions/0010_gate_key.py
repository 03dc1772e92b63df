"""gate key: a gate's pause is found by its name's key (spaces and case aside), not its exact spelling

Pauses last minutes: each row in force gets its key; of two that turn out to be one gate, the
first stands.

Revision ID: 0010_gate_key
Revises: 0009_audit_wording
Create Date: 2026-12-07 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_gate_key'
down_revision = '0009_audit_wording'
branch_labels = None
depends_on = None

gate_pause = sa.table('gate_pause', sa.column('id', sa.Integer), sa.column('gate', sa.String),
                      sa.column('key', sa.String))


def key(name):
    """app.checkin.rules.gate_key as it was when this ran."""
    return " ".join(name.split()).lower()


def upgrade():
    with op.batch_alter_table('gate_pause', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=60), nullable=True))
    connection = op.get_bind()
    seen = set()
    for row_id, gate in connection.execute(sa.select(gate_pause.c.id, gate_pause.c.gate).order_by(gate_pause.c.id)):
        if key(gate) in seen:
            connection.execute(gate_pause.delete().where(gate_pause.c.id == row_id))
        else:
            seen.add(key(gate))
            connection.execute(gate_pause.update().where(gate_pause.c.id == row_id).values(key=key(gate)))
    with op.batch_alter_table('gate_pause', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_constraint(op.f('uq_gate_pause_gate'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_gate_pause_key'), ['key'])


def downgrade():
    with op.batch_alter_table('gate_pause', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_gate_pause_key'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_gate_pause_gate'), ['gate'])
        batch_op.drop_column('key')
