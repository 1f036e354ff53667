"""The data door: one read/write API over the database (`door.Data`) returning frozen views (`views`).

The `mhc` command and the console both go through it; neither opens a database session itself.
"""
