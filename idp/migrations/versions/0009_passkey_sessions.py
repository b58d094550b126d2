"""passkey sessions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'passkey_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('public_sid', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('credential_id', 'public_sid'),
    )
    with op.batch_alter_table('passkey_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passkey_sessions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_passkey_sessions_credential_id'), ['credential_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('passkey_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passkey_sessions_credential_id'))
        batch_op.drop_index(batch_op.f('ix_passkey_sessions_member_id'))
    op.drop_table('passkey_sessions')
