"""Statbate Premium API client (spec: /work/shared/api/statbate_openapi.json).

Each method returns the whole JSON body (a dict, ``{"data": ..., "meta": ...}`` per the spec) so callers
can store the raw payload, or None when Statbate answers 404 (an unknown name is a normal answer).
5xx/429/network failures are retried a few times with a short backoff, then raised as TransientError.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from mhc_core.clients.errors import (
    AuthError,
    MalformedResponseError,
    RequestError,
    TransientError,
    describe_transport_error,
    parse_retry_after,
    protect_httpx_logger,
)
from mhc_core.clients.rate import RateLimit
from mhc_core.redact import mask, register_secret

__all__ = [
    "StatbateClient", "normalize_member_info", "normalize_model_info", "normalize_member_model_spending",
    "format_range_value",
]

logger = logging.getLogger(__name__)

RangeValue = datetime | date | str | None
_MAX_RETRY_AFTER = 10.0


def format_range_value(value: datetime | date | str) -> str:
    """The spec's `range[n]` format, "YYYY-MM-DD HH:MM:SS" in UTC (naive datetimes are taken as UTC)."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%d 00:00:00")


def _q(segment: str) -> str:
    return quote(segment, safe="")


class StatbateClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        site: str = "chaturbate",
        retries: int = 2,
        backoff: float = 0.5,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        rate: RateLimit | None = None,
    ) -> None:
        self._token = token
        self._rate = rate  # awaited before every attempt, retries included
        register_secret(token)
        protect_httpx_logger()
        self.base_url = base_url.rstrip("/")
        self.site = site
        self.retries = max(0, retries)
        self.backoff = backoff
        self._http = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"StatbateClient(base_url={self.base_url!r}, site={self.site!r}, token='****')"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> StatbateClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- members ------------------------------------------------------------------

    async def member_info(self, name: str, *, timezone: str | None = None) -> dict | None:
        """GET /members/{site}/{name}/info"""
        return await self._get(f"/members/{self.site}/{_q(name)}/info", {"timezone": timezone})

    async def members_info_batch(
        self, names: Iterable[str], *, timezone: str | None = None
    ) -> dict[str, dict | None]:
        """POST /members/{site}/info/batch -> {lowercased name: member info dict, or None if unknown}.

        An item counts as unknown when it carries a non-empty `error` or a null `did`; a requested name
        missing from the answer is unknown too.
        """
        wanted = [n for n in dict.fromkeys(str(n) for n in names) if n]
        result: dict[str, dict | None] = {n.lower(): None for n in wanted}
        if not wanted:
            return result
        body: dict[str, Any] = {"names": wanted}
        if timezone:
            body["timezone"] = timezone
        payload = await self._request("POST", f"/members/{self.site}/info/batch", json_body=body)
        if payload is None:
            return result
        items = payload.get("data")
        if not isinstance(items, list):
            raise MalformedResponseError("statbate", "Statbate batch answer has no 'data' list")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                logger.warning("statbate: batch item without a name ignored")
                continue
            known = not item.get("error") and item.get("did") is not None
            result[item["name"].lower()] = item if known else None
        return result

    async def member_tips(
        self,
        name: str,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        timezone: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /members/{site}/{name}/tips"""
        params = {**self._range(start, end), "timezone": timezone, "page": page, "per_page": per_page}
        return await self._get(f"/members/{self.site}/{_q(name)}/tips", params)

    async def member_top_models(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /members/{site}/{name}/top-models"""
        params = {**self._range(start, end), "timezone": timezone}
        return await self._get(f"/members/{self.site}/{_q(name)}/top-models", params)

    async def member_activity(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /members/{site}/{name}/activity"""
        params = {**self._range(start, end), "timezone": timezone}
        return await self._get(f"/members/{self.site}/{_q(name)}/activity", params)

    async def member_tag_spending(
        self,
        name: str,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /members/{site}/{name}/tag-spending (the spec has no timezone here)"""
        params = {**self._range(start, end), "page": page, "per_page": per_page}
        return await self._get(f"/members/{self.site}/{_q(name)}/tag-spending", params)

    async def member_model_spending(
        self,
        name: str,
        model: str,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        timezone: str | None = None,
    ) -> dict | None:
        """GET /members/{site}/{name}/model/{model}"""
        params = {**self._range(start, end), "timezone": timezone}
        return await self._get(f"/members/{self.site}/{_q(name)}/model/{_q(model)}", params)

    # -- models -------------------------------------------------------------------

    async def model_info(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /model/{site}/{name}/info"""
        return await self._model_get(name, "info", start, end, timezone)

    async def model_activity(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /model/{site}/{name}/activity"""
        return await self._model_get(name, "activity", start, end, timezone)

    async def model_rank(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /model/{site}/{name}/rank"""
        return await self._model_get(name, "rank", start, end, timezone)

    async def model_tips(
        self,
        name: str,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        timezone: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /model/{site}/{name}/tips"""
        params = {**self._range(start, end), "timezone": timezone, "page": page, "per_page": per_page}
        return await self._get(f"/model/{self.site}/{_q(name)}/tips", params)

    async def model_members(
        self, name: str, *, start: RangeValue = None, end: RangeValue = None, timezone: str | None = None
    ) -> dict | None:
        """GET /model/{site}/{name}/members"""
        return await self._model_get(name, "members", start, end, timezone)

    async def _model_get(
        self, name: str, what: str, start: RangeValue, end: RangeValue, timezone: str | None
    ) -> dict | None:
        return await self._get(
            f"/model/{self.site}/{_q(name)}/{what}", {**self._range(start, end), "timezone": timezone}
        )

    # -- rankings and tags ------------------------------------------------------------

    async def top_members(
        self,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        genders: Iterable[int] | None = None,
        high_tippers: bool | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /members (site is a query parameter here)"""
        params: dict[str, Any] = {"site": self.site, **self._range(start, end)}
        params["selectedGenders[]"] = list(genders) if genders is not None else None
        params["highTippers"] = None if high_tippers is None else ("true" if high_tippers else "false")
        params.update(page=page, per_page=per_page)
        return await self._get("/members", params)

    async def top_models(
        self,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        genders: Iterable[int] | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /models"""
        params: dict[str, Any] = {"site": self.site, **self._range(start, end)}
        params["selectedGenders[]"] = list(genders) if genders is not None else None
        params.update(page=page, per_page=per_page)
        return await self._get("/models", params)

    async def online_members(
        self, *, timezone: str | None = None, genders: Iterable[int] | None = None
    ) -> dict | None:
        """GET /members/online"""
        params: dict[str, Any] = {"site": self.site, "timezone": timezone}
        params["selectedGenders[]"] = list(genders) if genders is not None else None
        return await self._get("/members/online", params)

    async def tags(
        self,
        *,
        start: RangeValue = None,
        end: RangeValue = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> dict | None:
        """GET /tags"""
        return await self._get(
            "/tags", {"site": self.site, **self._range(start, end), "page": page, "per_page": per_page}
        )

    async def search_tags(self, query: str, *, limit: int | None = None) -> dict | None:
        """GET /tags/search"""
        return await self._get("/tags/search", {"query": query, "site": self.site, "limit": limit})

    # -- transport ------------------------------------------------------------------

    @staticmethod
    def _range(start: RangeValue, end: RangeValue) -> dict[str, str | None]:
        return {
            "range[0]": format_range_value(start) if start is not None else None,
            "range[1]": format_range_value(end) if end is not None else None,
        }

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict | None:
        return await self._request("GET", path, params=params)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> dict | None:
        query = tuple(
            (key, str(v))
            for key, value in (params or {}).items()
            if value is not None
            for v in (value if isinstance(value, list) else [value])
        )
        url = self.base_url + path
        last_error = ""
        last_status: int | None = None
        last_retry_after: float | None = None
        delay = 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(delay)
            if self._rate is not None:
                await self._rate.acquire()
            failure: str | None = None
            try:
                response = await self._http.request(method, url, params=query, json=json_body)
            except httpx.HTTPError as exc:
                failure = describe_transport_error(exc, self._token)
            if failure is not None:
                last_error = f"Statbate unreachable: {failure}"
                last_status, last_retry_after = None, None
                delay = self.backoff * (2**attempt)
                logger.warning("statbate: %s %s: %s (attempt %d)", method, path, failure, attempt + 1)
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                last_error = f"Statbate unavailable (HTTP {status})"
                last_status, last_retry_after = status, retry_after
                delay = max(self.backoff * (2**attempt), min(retry_after or 0.0, _MAX_RETRY_AFTER))
                logger.warning("statbate: %s %s: HTTP %d (attempt %d)", method, path, status, attempt + 1)
                continue
            return self._interpret(response, path)
        # `status` tells a 429 (rate limited) from a 5xx; None after a network failure.
        raise TransientError(
            "statbate", last_error or "Statbate unavailable", status=last_status, retry_after=last_retry_after
        )

    def _interpret(self, response: httpx.Response, path: str) -> dict | None:
        status = response.status_code
        body: Any = None
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, RecursionError):
            body = None
        if status == 404:
            logger.debug("statbate: %s not found: %s", path, _server_message(body))
            return None
        if status == 401:
            raise AuthError("statbate", "Statbate rejected the token (HTTP 401)", status=status)
        if status == 403:
            raise AuthError("statbate", "Statbate refused access with this token (HTTP 403)", status=status)
        if 300 <= status < 400:
            raise TransientError("statbate", f"Statbate answered a redirect (HTTP {status})", status=status)
        if status >= 400:
            detail = _server_message(body) or "no details"
            raise RequestError(
                "statbate", f"Statbate refused the request (HTTP {status}): {detail}", status=status
            )
        if not isinstance(body, dict):
            raise MalformedResponseError("statbate", "Statbate answered something that is not a JSON object")
        return body


def _server_message(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("error", "message", "errors", "detail"):
            if body.get(key):
                value = body[key]
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                return mask(" ".join(text.split()))[:300]
    return ""


# -- normalisers ------------------------------------------------------------------------


def _unwrap(raw: Any, kind: str, marker: str) -> dict:
    """The spec wraps data in {"data": {...}}; also accept the bare object, and say which we saw."""
    if not isinstance(raw, dict):
        return {}
    inner = raw.get("data")
    if isinstance(inner, dict):
        return inner
    if marker in raw or "name" in raw:
        logger.info("statbate: %s payload came without the {'data': ...} wrapper; read it bare", kind)
        return raw
    return {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def normalize_member_info(raw: Any) -> dict:
    """Flat view of a member info payload (wrapped body, bare object, or one batch item)."""
    data = _unwrap(raw, "member info", "did")
    tipped = _names(data.get("models_tipped_2weeks_list"))
    messaged = _names(data.get("models_messaged_2weeks_list"))
    per_day = []
    rows = data.get("per_day_tokens")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and _str(row.get("date")):
            per_day.append({"date": row["date"], "tokens": _int(row.get("tokens")) or 0})
    # A count the payload omits falls back to the length of its list (if that list is present).
    tipped_count = _int(data.get("models_tipped_2weeks"))
    if tipped_count is None and "models_tipped_2weeks_list" in data:
        tipped_count = len(tipped)
    messaged_count = _int(data.get("models_messaged_2weeks"))
    if messaged_count is None and "models_messaged_2weeks_list" in data:
        messaged_count = len(messaged)
    return {
        "name": _str(data.get("name")),
        "did": _int(data.get("did")),
        "all_time_tokens": _int(data.get("all_time_tokens")),
        "first_message_date": _str(data.get("first_message_date")),
        "first_tip_date": _str(data.get("first_tip_date")),
        "last_tip_date": _str(data.get("last_tip_date")),
        "last_tip_amount": _int(data.get("last_tip_amount")),
        "models_tipped_2weeks": tipped_count,
        "models_messaged_2weeks": messaged_count,
        "models_tipped_2weeks_list": tipped,
        "models_messaged_2weeks_list": messaged,
        "per_day_tokens": per_day,
    }


def normalize_model_info(raw: Any) -> dict:
    """Flat view of a model info payload. Durations: the spec gives no unit; taken to be minutes."""
    data = _unwrap(raw, "model info", "rid")
    raw_sessions, raw_income = data.get("sessions"), data.get("income")
    sessions = raw_sessions if isinstance(raw_sessions, dict) else {}
    income = raw_income if isinstance(raw_income, dict) else {}
    tags: list[str] = []
    raw_tags = data.get("tags")
    for tag in raw_tags if isinstance(raw_tags, list) else []:
        if isinstance(tag, dict) and _str(tag.get("name")):
            tags.append(tag["name"])
        elif isinstance(tag, str) and tag.strip():
            tags.append(tag)
    return {
        "name": _str(data.get("name")),
        "rid": _int(data.get("rid")),
        "gender": _int(data.get("gender")),
        "rank": _int(data.get("rank")),
        "session_count": _int(sessions.get("count")),
        "total_duration_minutes": _int(sessions.get("total_duration")),
        "average_duration_minutes": _int(sessions.get("average_duration")),
        "income_tokens": _int(income.get("tokens")),
        "income_usd": _float(income.get("usd")),
        "tags": tags,
    }


def normalize_member_model_spending(raw: Any) -> dict:
    """Flat view of /members/{site}/{name}/model/{model}: totals, the days with tips, and the range asked."""
    data = _unwrap(raw, "member model spending", "total")
    raw_total = data.get("total")
    total = raw_total if isinstance(raw_total, dict) else {}
    raw_meta = raw.get("meta") if isinstance(raw, dict) else None
    meta_range = raw_meta.get("range") if isinstance(raw_meta, dict) else None
    bounds = [_str(v) for v in meta_range] if isinstance(meta_range, list) and len(meta_range) == 2 else [None, None]
    daily = []
    rows = data.get("daily_spending")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and _str(row.get("date")):
            daily.append({"date": row["date"], "tokens": _int(row.get("tokens")) or 0, "tips": _int(row.get("tips")) or 0})
    daily.sort(key=lambda d: d["date"])
    raw_member, raw_model = data.get("member"), data.get("model")
    member = raw_member if isinstance(raw_member, dict) else {}
    model = raw_model if isinstance(raw_model, dict) else {}
    return {
        "member": _str(member.get("name")),
        "did": _int(member.get("did")),
        "model": _str(model.get("name")),
        "rid": _int(model.get("rid")),
        "tokens": _int(total.get("tokens")),
        "tips": _int(total.get("tips")),
        "usd": _float(total.get("usd")),
        "days_tipped": sum(1 for d in daily if d["tokens"] or d["tips"]),
        "first_date": daily[0]["date"] if daily else None,
        "last_date": daily[-1]["date"] if daily else None,
        "range_from": bounds[0],
        "range_to": bounds[1],
        "daily_spending": daily,
    }
