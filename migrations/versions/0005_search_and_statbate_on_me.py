"""Full-text search over what people wrote and what he noted, and Statbate's view of tips to him.

- `ix_interactions_content_fts`: a GIN index of `to_tsvector('simple', content)` over the kinds of
  interaction that carry words (chat, private messages, tip messages, notes, imported lines). The
  `simple` configuration neither stems nor drops stop words, so usernames and slang match as typed.
  A search must use the same expression and the same predicate to be served by it.
- `ix_interactions_person_type_timestamp`: a person's interactions of some types (notes, tips, chat)
  counted and paged from the index alone, however long his history.
- Snapshot source `statbate_member_model`: what Statbate saw a member tip this broadcaster
  (`GET /members/{site}/{name}/model/{model}`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SOURCES_BEFORE = "'statbate_member', 'statbate_model', 'cb_stats', 'manual'"
SOURCES_AFTER = "'statbate_member', 'statbate_model', 'cb_stats', 'manual', 'statbate_member_model'"
SEARCHABLE = "'CHAT_MESSAGE', 'PRIVATE_MESSAGE', 'TIP_EVENT', 'MANUAL_NOTE', 'CHAT_IMPORT'"


# The name 0001 gave it through the naming convention (prefixed twice); kept so every database agrees.
SOURCE_CHECK = "ck_snapshots_ck_snapshots_source"


def _snapshot_sources(values: str) -> None:
    op.execute(f"ALTER TABLE snapshots DROP CONSTRAINT {SOURCE_CHECK}")
    op.execute(f"ALTER TABLE snapshots ADD CONSTRAINT {SOURCE_CHECK} CHECK (source IN ({values}))")


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_interactions_content_fts ON interactions "
        "USING gin (to_tsvector('simple'::regconfig, content)) "
        f"WHERE content IS NOT NULL AND type IN ({SEARCHABLE})"
    )
    op.create_index("ix_interactions_person_type_timestamp", "interactions", ["person_id", "type", "timestamp"])
    _snapshot_sources(SOURCES_AFTER)


def downgrade() -> None:
    # Refused (the check fails) while a statbate_member_model snapshot exists: snapshots are append-only.
    _snapshot_sources(SOURCES_BEFORE)
    op.drop_index("ix_interactions_person_type_timestamp", table_name="interactions")
    op.drop_index("ix_interactions_content_fts", table_name="interactions")
