"""Prefix search on usernames (completion in Lookup): text_pattern_ops indexes serve LIKE 'abc%'
whatever the database's collation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_username_pattern", "persons", ["username"],
                    postgresql_ops={"username": "text_pattern_ops"})
    op.create_index("ix_person_aliases_username_pattern", "person_aliases", ["username"],
                    postgresql_ops={"username": "text_pattern_ops"})


def downgrade() -> None:
    op.drop_index("ix_person_aliases_username_pattern", table_name="person_aliases")
    op.drop_index("ix_persons_username_pattern", table_name="persons")
