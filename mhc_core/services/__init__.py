"""Domain services: plain functions over a SQLAlchemy `Session`; the caller owns the transaction."""
