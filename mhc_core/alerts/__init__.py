"""Alerts: rules from config.toml, the engine that fires them once per event, and the external command."""
