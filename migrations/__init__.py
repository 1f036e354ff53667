"""Alembic migrations for the MHC schema (shipped inside the package so `mhc db upgrade` works installed)."""
