"""access token revocations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_token_revocations',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'value', name=op.f('pk_access_token_revocations'))
    )
    with op.batch_alter_table('access_token_revocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_revocations_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_token_revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_revocations_expires_at'))

    op.drop_table('access_token_revocations')
