"""my story's leaderboard: votes, ballots, jury scores, the show's state of each round

Revision ID: 0006_leaderboard
Revises: 0005_challenge
Create Date: 2026-12-06 13:02:29.977409

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_leaderboard'
down_revision = '0005_challenge'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.CheckConstraint('used >= 0', name=op.f('ck_ballot_ballot_used')),
    sa.ForeignKeyConstraint(['round_id'], ['challenge_round.id'], name=op.f('fk_ballot_round_id_challenge_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ballot_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('round_id', 'ticket_id', name=op.f('uq_ballot_round_id'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('jury_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('juror_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['juror_id'], ['staff_member.id'], name=op.f('fk_jury_score_juror_id_staff_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], name=op.f('fk_jury_score_story_id_story'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_score')),
    sa.UniqueConstraint('story_id', 'juror_id', name=op.f('uq_jury_score_story_id'))
    )
    with op.batch_alter_table('jury_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_score_juror_id'), ['juror_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jury_score_story_id'), ['story_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['challenge_round.id'], name=op.f('fk_vote_round_id_challenge_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], name=op.f('fk_vote_story_id_story'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_vote_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('ticket_id', 'story_id', name=op.f('uq_vote_ticket_id'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_story_id'), ['story_id'], unique=False)

    with op.batch_alter_table('challenge_round', schema=None) as batch_op:
        # Rounds made before voting existed take the defaults.
        batch_op.add_column(sa.Column('votes_per_ticket', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('audience_weight', sa.Integer(), nullable=False, server_default='50'))
        batch_op.add_column(sa.Column('jury_weight', sa.Integer(), nullable=False, server_default='50'))
        batch_op.add_column(sa.Column('voting', sa.String(length=6), nullable=False, server_default='auto'))
        batch_op.add_column(sa.Column('voting_closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('frozen_board', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reveal_board', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('revealed', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('winners_told_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_challenge_round_round_votes_per_ticket'),
                                         'votes_per_ticket BETWEEN 1 AND 20')
        batch_op.create_check_constraint(op.f('ck_challenge_round_round_weights'),
                                         'audience_weight >= 0 AND jury_weight >= 0 '
                                         'AND audience_weight + jury_weight > 0')
        batch_op.create_check_constraint(op.f('ck_challenge_round_round_voting'),
                                         "voting IN ('auto', 'open', 'closed')")
        batch_op.create_check_constraint(op.f('ck_challenge_round_round_revealed'),
                                         'revealed IS NULL OR revealed >= 0')

    with op.batch_alter_table('exhibition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jury_criteria', sa.JSON(), nullable=True))

    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jury_member_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_member_jury_member_id'), ['jury_member_id'])
        batch_op.create_foreign_key(batch_op.f('fk_staff_member_jury_member_id_jury_member'), 'jury_member', ['jury_member_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_member_jury_member_id_jury_member'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_staff_member_jury_member_id'), type_='unique')
        batch_op.drop_column('jury_member_id')

    with op.batch_alter_table('exhibition', schema=None) as batch_op:
        batch_op.drop_column('jury_criteria')

    with op.batch_alter_table('challenge_round', schema=None) as batch_op:
        for name in ('revealed', 'voting', 'weights', 'votes_per_ticket'):
            batch_op.drop_constraint(op.f(f'ck_challenge_round_round_{name}'), type_='check')
        batch_op.drop_column('winners_told_at')
        batch_op.drop_column('revealed')
        batch_op.drop_column('reveal_board')
        batch_op.drop_column('frozen_board')
        batch_op.drop_column('voting_closed_at')
        batch_op.drop_column('voting')
        batch_op.drop_column('jury_weight')
        batch_op.drop_column('audience_weight')
        batch_op.drop_column('votes_per_ticket')

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_story_id'))
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))

    op.drop_table('vote')
    with op.batch_alter_table('jury_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_score_story_id'))
        batch_op.drop_index(batch_op.f('ix_jury_score_juror_id'))

    op.drop_table('jury_score')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_ticket_id'))

    op.drop_table('ballot')
