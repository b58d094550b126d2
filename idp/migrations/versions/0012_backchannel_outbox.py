"""backchannel_outbox: back-channel logout jobs kept in PostgreSQL, not only in Redis

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:15:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'backchannel_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=100), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('sid', sa.String(length=64), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_backchannel_outbox')),
    )
    with op.batch_alter_table('backchannel_outbox', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_backchannel_outbox_next_attempt_at'), ['next_attempt_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('backchannel_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backchannel_outbox_next_attempt_at'))
    op.drop_table('backchannel_outbox')
