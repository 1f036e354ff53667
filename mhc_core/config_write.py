"""Writing settings to `config.toml` (the console's theme, what setup saves), keeping the rest of the file as it is.

tomlkit edits the parsed document, so the user's other keys, tables, comments and layout survive.
The new text replaces the file in one rename (a crash never leaves half a file), with the file's own
permissions (it may hold tokens, `chmod 600`), and through a symlink to its target (a dotfiles
checkout stays a symlink). A file the user made read-only is left alone: that is a refusal, not
something to work around by renaming over it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from mhc_core.config import ConfigError, config_file

NEW_FILE_MODE = 0o600


def remember_setting(name: str, value: str, path: Path | None = None) -> Path:
    """Set the top-level `name = "value"` in config.toml (created if missing); returns the file written.

    Raises OSError when the file or its directory cannot be written, ConfigError when the file is not
    TOML (it is then left untouched).
    """
    return write_settings({name: value}, path)


def write_settings(updates: Mapping[str, str | None], path: Path | None = None, *, private: bool = False) -> Path:
    """Set (or, for None, remove) top-level keys of config.toml in one replace; returns the file written.

    `private`: what is written includes a token, so the file ends up readable by its owner only
    (0600), whatever its mode was. Errors as `remember_setting`.
    """
    target = (path or config_file()).resolve()
    if target.exists():
        if not os.access(target, os.W_OK) or not stat.S_IMODE(target.stat().st_mode) & stat.S_IWUSR:
            raise PermissionError(errno.EACCES, "the file is read-only", str(target))
        text = target.read_text(encoding="utf-8")
        mode = stat.S_IMODE(target.stat().st_mode)
    else:
        text, mode = "", NEW_FILE_MODE
    if private:
        mode &= ~(stat.S_IRWXG | stat.S_IRWXO)
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"{target}: invalid TOML, not changed: {exc}") from None
    for name, value in updates.items():
        if value is not None:
            document[name] = value
        elif name in document:
            del document[name]
    # The directory too: the file's name and neighbours are nobody else's business.
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".config.", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(document))
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
