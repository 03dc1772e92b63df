"""operating rules: check-in and booking windows, no-show release, gate pauses, notices

New columns are added in place (SQLite too). The scan table, which nothing references, is
rebuilt on SQLite to widen its check of results with too_early, closed and entry_paused.
Downgrading drops the columns in place (SQLite 3.35+), never by copying slot or seat,
whose copy-and-drop would cascade to the rows that reference them.

Revision ID: 0008_operating_rules
Revises: 0007_manage_key
Create Date: 2026-12-07 06:27:10.242429

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_operating_rules'
down_revision = '0007_manage_key'
branch_labels = None
depends_on = None


RESULTS = ('ok', 'already_checked_in', 'unknown_ticket', 'wrong_day', 'not_registered', 'cancelled',
           'capacity_reached', 'not_inside')
NEW_RESULTS = ('too_early', 'closed', 'entry_paused')


def _scan_results(results):
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_scan_scan_result'), type_='check')
        batch_op.create_check_constraint('scan_result', f"result IN {results}")


def upgrade():
    op.create_table('gate_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['paused_by_id'], ['staff_member.id'], name=op.f('fk_gate_pause_paused_by_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_pause')),
    sa.UniqueConstraint('gate', name=op.f('uq_gate_pause_gate'))
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('day_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), server_default='0', nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.CheckConstraint("scope IN ('session', 'day', 'exhibition')", name=op.f('ck_notice_notice_scope')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_member.id'], name=op.f('fk_notice_created_by_id_staff_member')),
    sa.ForeignKeyConstraint(['day_id'], ['exhibition_day.id'], name=op.f('fk_notice_day_id_exhibition_day')),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_notice_slot_id_slot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('nonce', name=op.f('uq_notice_nonce'))
    )
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_opens_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('booking_opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('booking_closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('waitlist_closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('no_show_release_minutes', sa.Integer(), server_default='10', nullable=True))
        batch_op.add_column(sa.Column('no_shows_released_at', sa.DateTime(timezone=True), nullable=True))

    _scan_results(RESULTS + NEW_RESULTS)


def downgrade():
    op.execute(sa.text("DELETE FROM scan WHERE result IN ('too_early', 'closed', 'entry_paused')"))
    _scan_results(RESULTS)
    for column in ('no_shows_released_at', 'no_show_release_minutes', 'waitlist_closes_at',
                   'booking_closes_at', 'booking_opens_at', 'checkin_opens_minutes'):
        op.drop_column('slot', column)
    op.drop_column('seat', 'released_at')
    op.drop_table('notice')
    op.drop_table('gate_pause')
