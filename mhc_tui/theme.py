"""The console's dark blue/purple theme, registered with Textual on start.

Foreground on background is ~13:1 and the muted text ~6:1 (WCAG AA needs 4.5:1), so long shifts
beside a stream stay readable.
"""

from __future__ import annotations

from textual.theme import Theme

THEME = Theme(
    name="mhc-midnight",
    primary="#7c6cf2",  # violet: focus, titles
    secondary="#4f8cff",  # blue: links, secondary accents
    accent="#c38bff",  # lilac: selection highlights
    warning="#f2b45c",
    error="#ff6b81",
    success="#5fd39a",
    foreground="#e4e2f5",
    background="#0f1020",
    surface="#171833",
    panel="#22244a",
    boost="#2c2f5e",
    dark=True,
    variables={
        "text-muted": "#a9a6cc",
        "footer-key-foreground": "#c38bff",
        "footer-description-foreground": "#e4e2f5",
        "footer-background": "#171833",
        "block-cursor-background": "#3b2f8f",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-blurred-background": "#2a2560",
        "input-selection-background": "#7c6cf2 40%",
        # Event colours, used by the feed and the room list (Rich styles).
        "mhc-tip": "#ffd166",
        "mhc-chat": "#e4e2f5",
        "mhc-pm": "#ff8fd8",
        "mhc-room": "#8fa2ff",
        "mhc-follow": "#5fd39a",
        "mhc-other": "#a9a6cc",
    },
)
