"""The console's two themes: midnight (dark blue/purple, the default) and daylight (light).

Every colour the console draws comes from here: `.tcss` rules use the theme's variables (`$accent`,
`$text-muted`, the `mhc-*` ones below), and widgets that draw Rich text take their styles from
component classes styled in their `.tcss`. So the two themes declare the same variables.

Text and muted text on the background are at least 4.5:1 in both (WCAG AA), so long shifts beside
a stream stay readable; only the faint "nothing here" text is quieter (4.2:1 in midnight).
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

from mhc_core.config import ConfigError, origin

# The App's stylesheets: app.tcss and each widget's `.tcss` (its component classes). Absolute, so a
# subclass of the App defined elsewhere finds them too.
CONSOLE_CSS: tuple[str, ...] = (
    str(Path(__file__).parent / "app.tcss"),
    *(str(path) for path in sorted((Path(__file__).parent / "widgets").glob("*.tcss"))),
)

MIDNIGHT = Theme(
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
        # The error and warning colours exactly as declared above (Textual's generated $error and
        # $warning are rounded one step off): LIVE, falls, failures; unfollows, retries.
        "mhc-error": "#ff6b81",
        "mhc-warning": "#f2b45c",
        # Quieter than muted: absent values, ended sessions, "nothing yet".
        "mhc-faint": "#6f74a8",
        # Times and column headings.
        "mhc-dim": "#8d89b8",
        # Names and secondary figures.
        "mhc-soft": "#c9c6ef",
        # The dashboard panels' borders (unfocused).
        "mhc-border": "#45446e",
        # Separators between items on one line.
        "mhc-rule": "#5b5880",
        # Text on a coloured badge (LIVE, a tip's amount, the chosen filter).
        "mhc-badge-foreground": "#0f1020",
        "mhc-offline-foreground": "#e4e2f5",
        "mhc-offline-background": "#3a3c66",
        # Event colours (feed, room, session figures): tag and text.
        "mhc-tip": "#ffd166",
        "mhc-tip-text": "#fff0c2",
        "mhc-pm": "#ff8fd8",
        "mhc-pm-text": "#ffc2ec",
        "mhc-room": "#8fa2ff",
        "mhc-topic-text": "#c9d6ff",
    },
)

DAYLIGHT = Theme(
    name="mhc-daylight",
    primary="#5b4bd6",
    secondary="#2c63c9",
    accent="#7d35c4",
    warning="#9a5b00",
    error="#c0263d",
    success="#17784a",
    foreground="#1d1b33",
    background="#f7f6fc",
    surface="#ecebf7",
    panel="#dcd9f0",
    boost="#d0cdea",
    dark=False,
    variables={
        "text-muted": "#4f4c72",
        "footer-key-foreground": "#7d35c4",
        "footer-description-foreground": "#1d1b33",
        "footer-background": "#ecebf7",
        "block-cursor-background": "#cfc6f6",
        "block-cursor-foreground": "#1d1b33",
        "block-cursor-blurred-background": "#e3def8",
        "input-selection-background": "#5b4bd6 30%",
        "mhc-error": "#c0263d",
        "mhc-warning": "#9a5b00",
        "mhc-faint": "#65628a",
        "mhc-dim": "#5a5782",
        "mhc-soft": "#2f2c52",
        "mhc-border": "#aaa6cc",
        "mhc-rule": "#a9a6c6",
        "mhc-badge-foreground": "#ffffff",
        "mhc-offline-foreground": "#ffffff",
        "mhc-offline-background": "#5a5782",
        "mhc-tip": "#8a5a00",
        "mhc-tip-text": "#5e3d00",
        "mhc-pm": "#a8237a",
        "mhc-pm-text": "#7e1a5c",
        "mhc-room": "#3547b8",
        "mhc-topic-text": "#263a86",
    },
)

THEMES: tuple[Theme, ...] = (MIDNIGHT, DAYLIGHT)
DEFAULT_THEME = MIDNIGHT.name
THEME_NAMES = tuple(theme.name for theme in THEMES)
# The names shown in the palette's theme list.
TITLES = {MIDNIGHT.name: "MHC midnight (dark)", DAYLIGHT.name: "MHC daylight (light)"}


def check_theme(name: str | None) -> str:
    """The theme to start with: the configured one, or ConfigError naming the setting."""
    if name is None:
        return DEFAULT_THEME
    if name not in THEME_NAMES:
        raise ConfigError(f"{origin('theme')}: unknown theme {name!r} (the themes: {', '.join(THEME_NAMES)})")
    return name
