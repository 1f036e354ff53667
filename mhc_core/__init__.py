"""MHC Control Panel core: configuration, storage, API clients, capture and domain services.

This package never imports Textual: the same code runs headless (`mhc listen`).
"""

__version__ = "0.1.0"
