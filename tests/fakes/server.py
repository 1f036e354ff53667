"""A local fake of the Events, Stats and Statbate APIs on one real socket (stdlib only).

Layout on ``http://127.0.0.1:PORT``:
  Events   ``/events/{broadcaster}/{token}/?i=<cursor>&timeout=N``  (events_base_url = base_url)
  Stats    ``/statsapi/?username=..&token=..``                       (stats_base_url = base_url)
  Statbate ``/statbate/api/...`` with ``Authorization: Bearer``       (statbate_base_url = base_url + "/statbate/api")

Faults are queued with `add_fault()` and consumed, in order, by the next requests to the matching API.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.fakes.events import random_events

logger = logging.getLogger(__name__)

SAMPLES = Path(__file__).with_name("samples")
STATBATE_PREFIX = "/statbate/api"
BATCH_LIMIT = 100  # names per POST /members/{site}/info/batch, as the real API
SITES = ("chaturbate", "stripchat", "bongacams", "camsoda", "mfc")

Api = Literal["events", "stats", "statbate"]
FaultKind = Literal[
    "status",  # answer `status` with `body` (JSON if not bytes/str) and optional Retry-After
    "truncated_json",  # a 200 whose JSON body is cut in half
    "not_json",  # a 200 with an HTML body
    "drop",  # close the socket without answering
    "delay",  # wait `delay` seconds, then answer normally
    "foreign_next_url",  # answer normally but with nextUrl on `url` (events only)
    "waited_too_long",  # HTTP 400 {"status": "Waited too long...", "nextUrl": ...} (events only)
]


@dataclass
class Fault:
    kind: FaultKind
    api: Api | None = "events"  # None: any API
    status: int = 500
    body: Any = None
    retry_after: str | float | None = None
    delay: float = 0.0
    url: str = "http://evil.example:81"
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers, e.g. Location


@dataclass(frozen=True)
class RecordedRequest:
    api: str  # "events" | "stats" | "statbate" | "other"
    method: str
    path: str  # raw (unmasked) path without the query
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    time: float  # time.monotonic() at arrival
    fault: str | None = None  # the fault kind applied to this request, if any

    def param(self, key: str) -> str | None:
        values = self.query.get(key)
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _id_key(event_id: str) -> tuple[int, int] | None:
    head, _, tail = event_id.partition("-")
    if head.isdigit() and tail.isdigit():
        return int(head), int(tail)
    return None


def _stable_int(name: str, modulo: int = 10_000_000) -> int:
    return int(hashlib.sha256(name.lower().encode()).hexdigest()[:12], 16) % modulo + 1


def default_member_info(name: str) -> dict[str, Any]:
    """The `data` object of /members/{site}/{name}/info, per the spec."""
    return {
        "name": name,
        "did": _stable_int(name),
        "first_message_date": "2024-01-05T20:11:00+00:00",
        "first_tip_date": "2024-01-06T21:00:00+00:00",
        "last_tip_date": "2025-11-20T22:30:00+00:00",
        "last_tip_amount": 50,
        "models_messaged_2weeks": 2,
        "models_messaged_2weeks_list": ["model_a", "model_b"],
        "models_tipped_2weeks": 1,
        "models_tipped_2weeks_list": ["model_a"],
        "per_day_tokens": [{"date": "2025-11-19", "tokens": 100}, {"date": "2025-11-20", "tokens": 50}],
        "all_time_tokens": 12345,
    }


def default_model_info(name: str) -> dict[str, Any]:
    """The `data` object of /model/{site}/{name}/info, per the spec."""
    return {
        "name": name,
        "rid": _stable_int(name),
        "gender": 0,
        "rank": 1234,
        "sessions": {"count": 42, "total_duration": 5040, "average_duration": 120},
        "income": {"tokens": 90000, "usd": 4500.0},
        "tags": [{"name": "muscle", "category": "body"}, {"name": "bear", "category": "type"}],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class FakeApis:
    """The three fake APIs. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        broadcaster: str = "hudson_cage",
        events_token: str = "EVTtok3nFAKE0123456789ab",
        stats_token: str = "STAtok3nFAKE0123456789ab",
        statbate_token: str = "SBTtok3nFAKE0123456789abcdef",
        events_per_batch: int = 100,
        max_hold: float = 90.0,
        replay_from_start: bool = True,
        every_name_a_member: bool = False,
    ) -> None:
        self.host, self._port = host, port
        self.broadcaster = broadcaster
        self.events_token = events_token
        self.stats_token = stats_token
        self.statbate_token = statbate_token
        self.events_per_batch = events_per_batch
        self.max_hold = max_hold  # cap on a long-poll hold, whatever `timeout` the client asks for
        self.replay_from_start = replay_from_start  # no cursor -> whole backlog (else: only new events)
        self.revoked: set[str] = set()  # APIs whose token now always gets 401
        self.stats_payload: dict[str, Any] = json.loads((SAMPLES / "stats_response_offline.json").read_text())
        self.members: dict[str, dict[str, Any]] = {}
        # Every name not added is a member too (default_member_info, all_time_tokens from the name).
        self.every_name_a_member = every_name_a_member
        self.models: dict[str, dict[str, Any]] = {}
        # (member, model) lowercased -> the `data` of /members/{site}/{member}/model/{model}.
        self.member_model_spending: dict[tuple[str, str], dict[str, Any]] = {}
        # Exact Statbate path (after /statbate/api) -> (status, JSON body); wins over the generated answers.
        self.statbate_overrides: dict[str, tuple[int, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._events: list[Any] = []
        self._ids: list[str] = []
        self._keys: list[tuple[int, int]] = []
        self._seq = 0
        self._last_ms = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeApis:
        self._stopping = False
        self._server = _Server((self.host, self._port), self._handler_class())
        self._port = self._server.server_address[1]  # keep it: URLs stay valid (and refused) after stop()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-apis", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeApis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port, "FakeApis not started"
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def events_base_url(self) -> str:
        return self.base_url

    @property
    def stats_base_url(self) -> str:
        return self.base_url

    @property
    def statbate_base_url(self) -> str:
        return self.base_url + STATBATE_PREFIX

    def env(self) -> dict[str, str]:
        """The MHC_* settings that point the app at this fake."""
        return {
            "MHC_BROADCASTER": self.broadcaster,
            "MHC_EVENTS_BASE_URL": self.events_base_url,
            "MHC_EVENTS_TOKEN": self.events_token,
            "MHC_STATS_BASE_URL": self.stats_base_url,
            "MHC_STATS_TOKEN": self.stats_token,
            "MHC_STATBATE_BASE_URL": self.statbate_base_url,
            "MHC_STATBATE_TOKEN": self.statbate_token,
        }

    # -- events feed ---------------------------------------------------------------------

    def push(self, *events: Any, raw: bool = False) -> list[str]:
        """Append events; wakes waiting long-polls. Returns the ids given to them.

        A dict without "id" gets ``<epoch ms>-<seq>``; ``raw=True`` stores values untouched (damaged
        events, non-objects); the cursor still advances by the internal id.
        """
        ids = []
        with self._cond:
            for event in events:
                self._last_ms = max(self._last_ms, int(time.time() * 1000))
                event_id = f"{self._last_ms}-{self._seq}"
                key = (self._last_ms, self._seq)
                self._seq += 1
                if not raw and isinstance(event, dict):
                    event = (
                        {"id": event_id, **copy.deepcopy(event)}
                        if "id" not in event
                        else copy.deepcopy(event)
                    )
                self._events.append(event)
                self._ids.append(event_id)
                self._keys.append(key)
                ids.append(event_id)
            self._cond.notify_all()
        return ids

    @property
    def events(self) -> list[Any]:
        with self._lock:
            return list(self._events)

    @property
    def event_ids(self) -> list[str]:
        with self._lock:
            return list(self._ids)

    # -- statbate data ---------------------------------------------------------------------

    def add_member(self, name: str, info: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        data = info if info is not None else default_member_info(name)
        data = {**data, **overrides}
        self.members[name.lower()] = data
        return data

    def _member(self, name: str) -> dict[str, Any] | None:
        info = self.members.get(name.lower())
        if info is None and self.every_name_a_member:
            info = {**default_member_info(name), "all_time_tokens": _stable_int(name, 100_000)}
        return info

    def add_model(self, name: str, info: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        data = info if info is not None else default_model_info(name)
        data = {**data, **overrides}
        self.models[name.lower()] = data
        return data

    def add_member_model_spending(
        self, member: str, model: str, daily: list[tuple[str, int, int]], *, usd_per_token: float = 0.05
    ) -> dict[str, Any]:
        """What Statbate saw `member` tip `model`: `daily` is (date, tokens, tips); totals are their sums.

        The member must be known (add_member) or the answer is 404; the model need not be added."""
        rows = [{"date": d, "tokens": t, "usd": round(t * usd_per_token, 2), "tips": n} for d, t, n in daily]
        tokens = sum(r["tokens"] for r in rows)
        data = {
            "member": {"name": member, "did": None},
            "model": {"name": model, "rid": _stable_int(model), "gender": 0},
            "total": {"tokens": tokens, "usd": round(tokens * usd_per_token, 2), "tips": sum(r["tips"] for r in rows)},
            "daily_spending": rows,
        }
        self.member_model_spending[(member.lower(), model.lower())] = data
        return data

    # -- faults and records -----------------------------------------------------------------

    def add_fault(
        self, kind: FaultKind, api: Api | None = "events", *, times: int = 1, **options: Any
    ) -> None:
        with self._lock:
            for _ in range(times):
                self._faults.append(Fault(kind=kind, api=api, **options))

    def fail(
        self,
        status: int,
        api: Api | None = "events",
        *,
        body: Any = None,
        retry_after: str | float | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        self.add_fault(
            "status",
            api,
            times=times,
            status=status,
            body=body,
            retry_after=retry_after,
            headers=headers or {},
        )

    def revoke(self, api: Api = "events") -> None:
        """From now on every request to `api` gets 401 (a deleted token)."""
        with self._lock:
            self.revoked.add(api)

    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def requests_for(self, api: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.api == api]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def _take_fault(self, api: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.api is None or fault.api == api:
                    return self._faults.pop(i)
        return None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # -- request handling (runs on server threads) ------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the backlog bench makes many quick requests
            disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms ACK stalls

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                fake._dispatch(self)

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                fake._dispatch(self)

        return Handler

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if path.startswith("/events/"):
            api = "events"
        elif path.rstrip("/") == "/statsapi":
            api = "stats"
        elif path.startswith(STATBATE_PREFIX):
            api = "statbate"
        else:
            api = "other"
        fault = self._take_fault(api) if api != "other" else None
        self._record(
            RecordedRequest(
                api=api,
                method=h.command,
                path=path,
                query=query,
                headers={k: v for k, v in h.headers.items()},
                body=body,
                time=time.monotonic(),
                fault=fault.kind if fault else None,
            )
        )
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.delay)
            elif fault.kind in ("status", "truncated_json", "not_json", "drop"):
                self._answer_fault(h, fault)
                return
        try:
            if api == "events":
                self._events_route(h, path, query, fault)
            elif api == "stats":
                self._stats_route(h, query)
            elif api == "statbate":
                self._statbate_route(h, h.command, path[len(STATBATE_PREFIX) :], query, body)
            else:
                self._send(h, 404, {"error": "not found"})
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake: client went away during %s", path)

    def _answer_fault(self, h: BaseHTTPRequestHandler, fault: Fault) -> None:
        if fault.kind == "drop":
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("fake: socket already closed")
            return
        if fault.kind == "truncated_json":
            text = json.dumps({"events": [], "nextUrl": "x", "username": "x", "data": {"name": "x"}})
            self._send(h, 200, text[: len(text) // 2].encode())
            return
        if fault.kind == "not_json":
            self._send(h, 200, b"<html><body>Bad gateway</body></html>", content_type="text/html")
            return
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        self._send(
            h, fault.status, fault.body if fault.body is not None else {"status": "error"}, headers=headers
        )

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
            content_type = "text/plain" if content_type == "application/json" else content_type
        else:
            data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    # events ------------------------------------------------------------------------------------

    def _index_after(self, cursor: str | None) -> int:
        if not cursor:
            return 0 if self.replay_from_start else len(self._events)
        key = _id_key(cursor)
        if key is None:
            try:
                return self._ids.index(cursor) + 1
            except ValueError:
                return 0
        return bisect.bisect_right(self._keys, key)

    def _next_url(self, token: str, cursor: str | None, timeout: int, origin: str | None = None) -> str:
        query = (f"i={quote(cursor, safe='')}&" if cursor else "") + f"timeout={timeout}"
        return f"{origin or self.base_url}/events/{self.broadcaster}/{token}/?{query}"

    def _events_route(
        self, h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]], fault: Fault | None
    ) -> None:
        segments = [unquote(s) for s in path.split("/") if s]
        if len(segments) != 3 or segments[1] != self.broadcaster:
            self._send(h, 404, {"status": "Not found"})
            return
        token = segments[2]
        if token != self.events_token or "events" in self.revoked:
            self._send(h, 401, {"status": "Unauthorized"})
            return
        try:
            timeout = max(0, min(int((query.get("timeout") or ["10"])[-1]), 90))
        except ValueError:
            self._send(h, 400, {"status": "timeout must be an integer"})
            return
        cursor = (query.get("i") or [None])[-1] or None
        if fault is not None and fault.kind == "waited_too_long":
            self._send(
                h,
                400,
                {"status": "Waited too long for events", "nextUrl": self._next_url(token, cursor, timeout)},
            )
            return
        hold = min(timeout, self.max_hold)
        with self._cond:
            start = self._index_after(cursor)
            self._cond.wait_for(lambda: len(self._events) > start or self._stopping, timeout=hold)
            batch = self._events[start : start + self.events_per_batch]
            last = self._ids[start + len(batch) - 1] if batch else cursor
        origin = fault.url if fault is not None and fault.kind == "foreign_next_url" else None
        self._send(h, 200, {"events": batch, "nextUrl": self._next_url(token, last, timeout, origin)})

    # stats -------------------------------------------------------------------------------------

    def _stats_route(self, h: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        username = (query.get("username") or [""])[-1]
        token = (query.get("token") or [""])[-1]
        if token != self.stats_token or username.lower() != self.broadcaster or "stats" in self.revoked:
            self._send(h, 401, {"error": "Unauthorized"})
            return
        self._send(h, 200, self.stats_payload)

    # statbate ----------------------------------------------------------------------------------

    def _statbate_route(
        self, h: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> None:
        if h.headers.get("Authorization") != f"Bearer {self.statbate_token}" or "statbate" in self.revoked:
            self._send(h, 401, {"message": "Unauthenticated."})
            return
        if path in self.statbate_overrides:
            status, payload = self.statbate_overrides[path]
            self._send(h, status, payload)
            return
        status, payload = self._statbate_answer(
            method, [unquote(s) for s in path.split("/") if s], query, body
        )
        self._send(h, status, payload)

    def _statbate_answer(
        self, method: str, seg: list[str], query: dict[str, list[str]], body: bytes
    ) -> tuple[int, Any]:
        q = {k: v[-1] for k, v in query.items()}
        meta = {
            "site": q.get("site", seg[1] if len(seg) > 1 else "chaturbate"),
            "timezone": q.get("timezone", "UTC"),
        }
        meta["range"] = [q.get("range[0]", ""), q.get("range[1]", "")]
        member_missing = (404, {"error": "Member not found"})
        model_missing = (404, {"error": "Model not found"})
        pagination = {
            "total": 1,
            "per_page": int(q.get("per_page", 20)),
            "current_page": int(q.get("page", 1)),
        }
        pagination.update(last_page=1, **{"from": 1, "to": 1})

        if len(seg) >= 2 and seg[0] in ("members", "model") and seg[1] not in SITES and seg[1] != "online":
            return 422, {"error": f"The selected site is invalid: {seg[1]}"}
        if method == "POST" and seg[:1] == ["members"] and seg[2:] == ["info", "batch"]:
            try:
                request = json.loads(body or b"null")
            except ValueError:
                return 422, {"error": "names array is required"}
            names = request.get("names") if isinstance(request, dict) else None
            if not isinstance(names, list) or not names:
                return 422, {"error": "names array is required"}
            if len(names) > BATCH_LIMIT:
                return 422, {"error": f"The names may not have more than {BATCH_LIMIT} items."}
            items = []
            for name in names:
                info = self._member(str(name))
                if info is None:
                    items.append({"name": name, "did": None, "error": "Member not found"})
                else:
                    items.append({**info, "error": None})
            found = sum(1 for i in items if i["error"] is None)
            return 200, {"data": items, "meta": {**meta, "found": found, "requested": len(names)}}
        if method != "GET":
            return 405, {"error": "Method not allowed"}

        if seg == ["members"]:
            rows = [
                {
                    "position": i + 1,
                    "name": n,
                    "did": m.get("did"),
                    "total_tokens": m.get("all_time_tokens", 0),
                }
                for i, (n, m) in enumerate(sorted(self.members.items()))
            ]
            return 200, {"data": rows, "meta": {**meta, "pagination": pagination}}
        if seg == ["models"]:
            rows = [
                {
                    "position": i + 1,
                    "name": n,
                    "rid": m.get("rid"),
                    "online": False,
                    "gender": m.get("gender"),
                }
                for i, (n, m) in enumerate(sorted(self.models.items()))
            ]
            return 200, {"data": rows, "meta": {**meta, "pagination": pagination}}
        if seg == ["members", "online"]:
            return 200, {"data": [], "meta": {"site": meta["site"], "timezone": meta["timezone"]}}
        if seg == ["tags"]:
            return 200, {
                "data": [{"tag": "muscle", "models": 10, "tokens": 1000, "usd": 50.0}],
                "meta": {**meta, "pagination": pagination},
            }
        if seg == ["tags", "search"]:
            needle = q.get("query", "")
            tags = [t for t in ("muscle", "bear", "musclebear") if needle in t]
            return 200, {"data": [{"tag": t, "name": t, "value": t, "models_count": 3} for t in tags]}

        if len(seg) == 4 and seg[0] == "members":
            name, what = seg[2], seg[3]
            info = self.members.get(name.lower())
            if info is None:
                return member_missing
            member_meta = {**meta, "member": {"id": info.get("did"), "name": name}}
            if what == "info":
                return 200, {"data": info, "meta": {"site": meta["site"], "timezone": meta["timezone"]}}
            if what == "tips":
                row = {"time": "2025-11-20 22:30:00", "model": "model_a", "rid": 7, "tokens": 50, "usd": 2.5}
                return 200, {"data": [row], "meta": {**member_meta, "pagination": pagination}}
            if what == "top-models":
                row = {"position": 1, "name": "model_a", "rid": 7, "gender": 0, "total_tokens": 500}
                return 200, {"data": [row], "meta": member_meta}
            if what == "activity":
                return 200, {
                    "data": {
                        "hourly": [{"hour": 22, "tip_count": 3, "token_sum": 150, "usd_sum": 7.5}],
                        "daily": [{"day_of_week": 5, "day_name": "Friday", "tip_count": 3, "token_sum": 150}],
                    },
                    "meta": member_meta,
                }
            if what == "tag-spending":
                row = {
                    "position": 1,
                    "tag": "muscle",
                    "name": "muscle",
                    "value": "muscle",
                    "total_tokens": 300,
                }
                return 200, {"data": [row], "meta": member_meta}
        if len(seg) == 5 and seg[0] == "members" and seg[3] == "model":
            info, model = self.members.get(seg[2].lower()), self.models.get(seg[4].lower())
            if info is None:
                return member_missing
            spent = self.member_model_spending.get((seg[2].lower(), seg[4].lower()))
            if spent is not None:
                member = {"name": seg[2], "did": info.get("did")}
                return 200, {"data": {**spent, "member": member}, "meta": meta}
            if model is None:
                return model_missing
            return 200, {
                "data": {
                    "member": {"name": seg[2], "did": info.get("did")},
                    "model": {"name": seg[4], "rid": model.get("rid"), "gender": model.get("gender")},
                    "total": {"tokens": 300, "usd": 15.0, "tips": 6},
                    "daily_spending": [{"date": "2025-11-20", "tokens": 300, "usd": 15.0, "tips": 6}],
                },
                "meta": meta,
            }
        if len(seg) == 4 and seg[0] == "model":
            name, what = seg[2], seg[3]
            model = self.models.get(name.lower())
            if model is None:
                return model_missing
            head = {"name": name, "rid": model.get("rid"), "gender": model.get("gender")}
            if what == "info":
                return 200, {"data": model, "meta": meta}
            if what == "activity":
                summary = {
                    "total_sessions": 2,
                    "public_sessions": 2,
                    "total_duration": 240,
                    "average_duration": 120,
                }
                sessions = [
                    {"start_time": "2025-11-20 20:00:00", "end_time": "2025-11-20 22:00:00", "duration": 120}
                ]
                return 200, {"data": {**head, "summary": summary, "sessions": sessions}, "meta": meta}
            if what == "rank":
                summary = {"first_rank": 1300, "last_rank": 1234, "best_rank": 1200, "worst_rank": 1400}
                ranks = [{"date": "2025-11-20", "rank": 1234, "tokens": 900}]
                return 200, {"data": {**head, "summary": summary, "ranks": ranks}, "meta": meta}
            if what == "tips":
                row = {"time": "2025-11-20 22:30:00", "name": "alice_01", "did": 1, "tokens": 50, "usd": 2.5}
                model_meta = {
                    **meta,
                    "model": {"id": model.get("rid"), "name": name, "gender": model.get("gender")},
                }
                return 200, {"data": [row], "meta": {**model_meta, "pagination": pagination}}
            if what == "members":
                summary = {"total_members": 1, "total_tokens": 50, "returning_members": 0, "new_members": 1}
                top = [{"did": 1, "name": "alice_01", "tokens": 50, "tip_count": 1}]
                return 200, {
                    "data": {**head, "summary": summary, "top_members": top, "spending_distribution": []},
                    "meta": meta,
                }
        return 404, {"error": "Route not found"}


@dataclass
class LiveStream:
    """Pushes random events into a fake at `rate` events/s on a background thread (for hand runs)."""

    fake: FakeApis
    rate: float
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> LiveStream:
        source = random_events(self.fake.broadcaster)

        def run() -> None:
            interval = 1.0 / self.rate
            while not self._stop.wait(interval):
                self.fake.push(next(source))

        self._thread = threading.Thread(target=run, name="fake-live-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
