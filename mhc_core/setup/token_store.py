"""Tokens in the system keyring, with `config.toml` holding only a reference to each.

A reference reads `keyring:mhc-control-panel/events_token` (the keyring's service and user name). The
settings resolve it when they are loaded (mhc_core.config), so every part of the program sees the
token itself and nothing else knows where it was kept.

`keyring` picks the platform's store (macOS Keychain, Windows Credential Locker, the Secret Service
on a Linux desktop). A server usually has none: keyring then answers with its "fail" backend, and the
file is used instead, which the setup says. `keyring` is imported on first use: most runs keep their
tokens in the environment or the file and should not pay for loading it.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE = "mhc-control-panel"
PREFIX = "keyring:"


class KeyringProblem(Exception):
    """The keyring cannot keep or give a token. The message is one line and holds no token."""


@dataclass(frozen=True)
class KeyringState:
    available: bool
    name: str  # the backend's name, or why there is none

    @property
    def said(self) -> str:
        if self.available:
            return f"tokens can be kept in the system keyring ({self.name})"
        return f"no system keyring here ({self.name}): tokens are kept in the settings file"


def is_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def reference_of(field: str) -> str:
    return f"{PREFIX}{SERVICE}/{field}"


def _backend_name(backend: object) -> str:
    return type(backend).__module__.removeprefix("keyring.backends.") + "." + type(backend).__name__


def keyring_state() -> KeyringState:
    """Whether a real keyring backend answers here (not keyring's "fail" one, nor a chainer of none)."""
    try:
        import keyring
        from keyring.backends import chainer, fail
        from keyring.errors import KeyringError
    except ImportError as exc:
        return KeyringState(False, f"keyring cannot load: {exc}")
    try:
        backend = keyring.get_keyring()
    except (KeyringError, OSError, RuntimeError) as exc:
        return KeyringState(False, f"keyring failed to start: {exc}")
    if isinstance(backend, fail.Keyring):
        return KeyringState(False, "no keyring backend")
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return KeyringState(False, "no keyring backend")
    return KeyringState(True, _backend_name(backend))


def keep(field: str, token: str) -> str:
    """Put `token` in the keyring under `field`; returns the reference to write in the file."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, field, token)
    except (KeyringError, OSError, RuntimeError) as exc:
        raise KeyringProblem(f"the keyring did not keep {field}: {type(exc).__name__}: {exc}") from None
    return reference_of(field)


def resolve(reference: str) -> str:
    """The token a reference names. KeyringProblem when the keyring cannot give it."""
    service, _, user = reference.removeprefix(PREFIX).partition("/")
    if not service or not user:
        raise KeyringProblem(f"is not a keyring reference ({PREFIX}SERVICE/NAME)")
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError as exc:
        raise KeyringProblem(f"names the keyring, but keyring cannot load: {exc}") from None
    try:
        token = keyring.get_password(service, user)
    except (KeyringError, OSError, RuntimeError) as exc:
        raise KeyringProblem(f"names the keyring, which did not answer: {type(exc).__name__}") from None
    if token is None:
        raise KeyringProblem(f"names a keyring entry that does not exist ({service}/{user}): run mhc setup")
    return token
