"""Clients for the Chaturbate Events and Stats APIs and the Statbate Premium API (async, httpx).

Import the module you need (`mhc_core.clients.errors`, `.events`, `.stats`, `.statbate`): this package
loads none of them, so a command that only needs the errors does not pay for the event models.
"""
