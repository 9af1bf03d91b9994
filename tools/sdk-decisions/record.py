#!/usr/bin/env python3
"""Record how the official OpenAI and Anthropic Python SDKs decide on a failed response.

Ground truth for the `openai` and `anthropic` presets of retry-runtime (spec §9). This script
drives each SDK's REAL synchronous request loop over an in-memory mock transport and records,
per case, every request the SDK sent, every sleep it asked for, the random value it drew, and
the final outcome. Nothing here re-implements the SDKs' rules: the rules below are a summary
for the reader, and the JSON is what the SDK code actually did.

Run it in a throwaway virtualenv (see tools/README.md); the SDKs are not vendored.

    python tools/sdk-decisions/record.py > retry-runtime/tests/fixtures/sdk_decisions.json

----------------------------------------------------------------------------------------------
What the SDK code says (openai 3.57.0 and anthropic 2.16.0, `_base_client.py`, `_constants.py`)
----------------------------------------------------------------------------------------------
Both SDKs use the new `httpx2` package (not `httpx`); the mock transport is therefore
`httpx2.MockTransport`, handed in as `http_client=httpx2.Client(transport=...)`.

Constants (both): DEFAULT_MAX_RETRIES = 2 (so 3 requests in all), INITIAL_RETRY_DELAY = 0.5,
MAX_RETRY_DELAY = 8.0. OpenAI only: MAX_RETRY_AFTER_DELAY = 2 * 60 = 120.

Request loop (both): `for retries_taken in range(max_retries + 1)`; each attempt's request
carries `x-stainless-retry-count: str(retries_taken)` ("0", "1", "2"; not sent if the caller
set/omitted it). A non-GET request gets `options.idempotency_key =
"stainless-python-retry-<uuid4>"`, reused across attempts, but it is only sent if the client's
`_idempotency_header` is set, and neither `OpenAI` nor `Anthropic` sets it (it is None) — so
NO idempotency header goes on the wire. Also sent: `x-stainless-read-timeout: 600` (both) and,
Anthropic only, `x-stainless-timeout: str(options.timeout)` ("600" on messages.create, whose
non-streaming timeout the SDK computes; "NOT_GIVEN", sic, on models.list).

A failed attempt is retried when retries remain and:
  * transport error: any `httpx2.TimeoutException` (-> APITimeoutError when out of retries) or
    other `httpx2.RequestError` / ssl.SSLError / anyio.EndOfStream (-> APIConnectionError):
    always retried, sleeping the plain backoff (no headers).
  * status >= 400: `_should_retry(response)`:
      OpenAI, first: if the parsed server delay (below) is finite and > 120 s -> do NOT retry
      (this check precedes x-should-retry: even `x-should-retry: true` is refused).
      Both: header `x-should-retry` compared case-sensitively with exactly "true" -> retry,
      exactly "false" -> no retry; any other value ("TRUE", "1", " true") is ignored.
      Then: 408, 409, 429, and every status >= 500 -> retry; anything else -> no retry.
      Anthropic `_client.py` overrides `_should_retry` only for 401 when OAuth credentials
      (`_token_cache`) are in use and this was the first attempt; with an api_key it is inert.
  * OpenAI also requires the request body to be replayable (always true for JSON bodies).

Server delay, `_parse_retry_after_header(headers) -> float | None` (seconds):
  OpenAI: for ("retry-after-ms", /1000) then ("retry-after", /1): `float(value)`; a ValueError
    moves on to the next header; otherwise the value is returned AS IS, even if negative, zero,
    nan or inf (so `retry-after-ms: -1` or `nan` shadows a valid `Retry-After`). Python float()
    accepts surrounding whitespace, a sign, exponents, "_" between digits ("1_0" = 10),
    "inf"/"infinity"/"nan" in any case. If float() overflows to inf from a finite literal
    (e.g. "1e400"; the check is `value.strip().lower() not in ("inf","+inf","infinity",
    "+infinity")`) it returns 121 (MAX_RETRY_AFTER_DELAY + 1, NOT divided by 1000) so the call
    is refused. If neither header parses as a float: `email.utils.parsedate_tz(retry-after)`
    -> `mktime_tz(...)` -> `retry_date - time.time()` (may be negative); unparseable -> None.
    `parsedate_tz` is lenient: weekday optional, RFC 850 two-digit years (69-99 -> 19xx,
    00-68 -> 20xx), asctime, numeric offsets, US zone names; a missing zone means UTC.
  Anthropic: `float(retry-after-ms) / 1000` if that parses (any float, no overflow check),
    else `float(retry-after)` (NOT divided), else the same date parsing as OpenAI but NOT
    guarded by try/except: a date `mktime_tz` cannot convert (year 10000) raises ValueError out
    of `client.messages.create` after the first response (recorded as builtins.ValueError).

Not read by either SDK (recorded to prove it): OpenAI `x-ratelimit-reset-*`, Anthropic
`anthropic-ratelimit-*-reset`, and the error body (an Anthropic 429 `enforced_spend_limit_reached`
or an OpenAI 429 `insufficient_quota` is retried like any 429; 529 `overloaded_error` is
retried as a status >= 500). Header names are case-insensitive (httpx2.Headers); a repeated
header is joined with ", " by `Headers.get` ("3, 5" -> neither float nor date -> None).

Sleep, `_calculate_retry_timeout(remaining_retries, options, headers)`:
  OpenAI: if the server delay d is finite and 0 < d <= 120 -> sleep exactly d.
  Anthropic: if d is not None and d > 0 -> sleep min(d, 4_294_967.0) (inf -> 4294967.0;
    nan is not > 0).
  Otherwise (both): n = min(max_retries - remaining_retries, 1000) = retries_taken (0-based);
    sleep = min(0.5 * 2.0**n, 8.0) * (1 - 0.25 * random()), `random` being
    `from random import random` in `_base_client` -> for retry k = n+1: min(0.5*2^(k-1), 8) *
    (1 - 0.25*U), U in [0, 1), i.e. a band (0.75x, 1x]. Sleeping is `time.sleep(timeout)`.
    random() is only called when the backoff is used.

Patching done here (recorded in the JSON metadata):
  * `<sdk>._base_client.random` -> returns the case's fixed U and logs the call;
  * `<sdk>._base_client.time` -> a proxy of the `time` module whose `time()` returns the case's
    fixed "now" (unix seconds) and whose `sleep()` records instead of sleeping (every other
    attribute is the real module). The global `time.sleep` and `random.random` are also
    replaced by tripwires to prove nothing else sleeps or draws.
  * TZ=UTC (parsedate_tz already treats a missing zone as UTC; this just removes doubt).
"""
from __future__ import annotations

import argparse
import calendar
import email.utils
import json
import os
import random as _random_mod
import sys
import time as _real_time
import types

os.environ["TZ"] = "UTC"
_real_time.tzset()
for _k in list(os.environ):
    if _k.startswith(("OPENAI_", "ANTHROPIC_", "AZURE_OPENAI", "OTEL_")):
        del os.environ[_k]

import anthropic  # noqa: E402
import anthropic._base_client as anthropic_base  # noqa: E402
import httpx2  # noqa: E402
import openai  # noqa: E402
import openai._base_client as openai_base  # noqa: E402
import importlib.metadata as md  # noqa: E402

# The canonical RFC example date is 30 s after NOW.
CANON = calendar.timegm((1994, 11, 6, 8, 49, 37))  # Sun, 06 Nov 1994 08:49:37 GMT
NOW = CANON - 30  # 784111747
DEFAULT_U = 0.5

OPENAI_OK = {
    "id": "chatcmpl-fixture",
    "object": "chat.completion",
    "created": 0,
    "model": "gpt-fixture",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    ],
}
OPENAI_LIST_OK = {"object": "list", "data": []}
ANTHROPIC_OK = {
    "id": "msg_fixture",
    "type": "message",
    "role": "assistant",
    "model": "claude-fixture",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
ANTHROPIC_LIST_OK = {"data": [], "has_more": False, "first_id": None, "last_id": None}

RECORDED_REQUEST_HEADERS = (
    "x-stainless-retry-count",
    "x-stainless-read-timeout",
    "x-stainless-timeout",
    "idempotency-key",
)


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------
def imf(t: int) -> str:
    return email.utils.formatdate(t, usegmt=True)


def rfc850(t: int) -> str:
    return _real_time.strftime("%A, %d-%b-%y %H:%M:%S GMT", _real_time.gmtime(t))


def asctime(t: int) -> str:
    return _real_time.asctime(_real_time.gmtime(t))


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
def case(cid, status=429, headers=(), body=None, **kw):
    c = {
        "id": cid,
        "status": status,  # int, or "connect_error"/"read_timeout"/... for transport errors
        "headers": [list(h) for h in headers],
        "body": body,  # None -> empty body; dict -> JSON; str -> raw text
        "failures": kw.pop("failures", 1),  # leading failed responses; "all" = every attempt
        "random": kw.pop("random", DEFAULT_U),
        "now": kw.pop("now", NOW),
        "max_retries": kw.pop("max_retries", None),  # None = SDK default (2)
        "endpoint": kw.pop("endpoint", "create"),  # "create" (POST) or "list" (GET)
        "group": kw.pop("group"),
    }
    assert not kw, kw
    return c


def build_cases():
    cs = []
    add = cs.append

    # retry-after-ms alone, on a 429
    for v in ["0", "-1", "100", "1.5", "2500", "abc", "999999999999", "inf", "nan", "1e3",
              "-inf", "+inf", "Infinity", "NaN", "1e400", "-1e400", "", " 250 ", "1_000",
              "0.0001", "119999", "120000", "120001", "4294967000", "4294968000", "1e10",
              "0x10", "100ms", "5e-324"]:
        add(case(f"ms[{v}]", 429, [("retry-after-ms", v)], group="retry-after-ms"))

    # Retry-After as seconds, on a 429
    for v in ["0", "3", "1.5", "+5", "-2", "1e2", "1_0", " 7 ", "61", "119", "120", "121",
              "3600", "soon", "119.9", "120.0", "120.000001", "0.001", "-0", "inf", "nan",
              "-inf", "1e400", "4294967", "4294968", "1e9", "", "3s", "0x10", "  "]:
        add(case(f"ra[{v}]", 429, [("Retry-After", v)], group="retry-after-seconds"))
    add(case("ra[3,5 duplicated]", 429, [("Retry-After", "3"), ("Retry-After", "5")],
             group="retry-after-seconds"))

    # Retry-After as an HTTP date, relative to the patched now
    for name, fmt in (("imf", imf), ("rfc850", rfc850), ("asctime", asctime)):
        for off in (30, -30, 200):
            add(case(f"date[{name}{off:+d}]", 429, [("Retry-After", fmt(NOW + off))],
                     group="retry-after-date"))
    for off in (0, 1, 119, 120, 121):
        add(case(f"date[imf{off:+d}]", 429, [("Retry-After", imf(NOW + off))],
                 group="retry-after-date"))
    # fractional now: the date difference keeps the fraction
    add(case("date[imf+30,now+0.25]", 429, [("Retry-After", imf(NOW + 30))], now=NOW + 0.25,
             group="retry-after-date"))
    add(case("date[imf+0,now+0.75]", 429, [("Retry-After", imf(NOW))], now=NOW + 0.75,
             group="retry-after-date"))
    # lenient forms that parsedate_tz accepts (or not)
    t30 = _real_time.gmtime(NOW + 30)
    for label, s in [
        ("imf+30 +0000", _real_time.strftime("%a, %d %b %Y %H:%M:%S +0000", t30)),
        ("imf+30 -0000", _real_time.strftime("%a, %d %b %Y %H:%M:%S -0000", t30)),
        ("imf+30 UTC", _real_time.strftime("%a, %d %b %Y %H:%M:%S UTC", t30)),
        ("imf+30 no zone", _real_time.strftime("%a, %d %b %Y %H:%M:%S", t30)),
        ("imf+30 no weekday", _real_time.strftime("%d %b %Y %H:%M:%S GMT", t30)),
        ("imf+30 wrong weekday", _real_time.strftime("Mon, %d %b %Y %H:%M:%S GMT", t30)),
        ("imf+30 +0100 (so -3570)", _real_time.strftime("%a, %d %b %Y %H:%M:%S +0100", t30)),
        ("imf+30 lowercase", _real_time.strftime("%a, %d %b %Y %H:%M:%S GMT", t30).lower()),
        ("imf 2-digit year", _real_time.strftime("%a, %d %b %y %H:%M:%S GMT", t30)),
        ("garbage date", "Sun, 99 Foo 1994 25:61:61 GMT"),
        ("seconds 97 (normalised to +30)", "Sun, 06 Nov 1994 08:48:97 GMT"),
        ("year 10000 (mktime_tz raises)", "Sun, 06 Nov 10000 08:49:37 GMT"),
        ("year 2-digit 00 (2000)", "Mon, 06 Nov 00 08:49:37 GMT"),
    ]:
        add(case(f"date[{label}]", 429, [("Retry-After", s)], group="retry-after-date"))

    # precedence between the two headers
    for ms, ra in [("-1", "3"), ("abc", "3"), ("nan", "3"), ("inf", "3"), ("0", "3"),
                   ("500", "60"), ("200000", "3"), ("", "3"), ("1e400", "3"),
                   ("abc", imf(NOW + 30)), ("100", imf(NOW + 30)), ("abc", "soon")]:
        add(case(f"ms[{ms}]+ra[{ra}]", 429, [("retry-after-ms", ms), ("Retry-After", ra)],
                 group="precedence"))

    # x-should-retry
    for st, v in [(400, "true"), (503, "false"), (400, "TRUE"), (400, "1"), (400, "True"),
                  (400, " true"), (503, "FALSE"), (503, "0"), (429, "false"), (401, "true"),
                  (404, "yes"), (500, "true")]:
        add(case(f"xsr[{v}]@{st}", st, [("x-should-retry", v)], group="x-should-retry"))
    add(case("xsr[true]+ra[300]@400", 400, [("x-should-retry", "true"), ("Retry-After", "300")],
             group="x-should-retry"))
    add(case("xsr[true]+ms[500]@400", 400, [("x-should-retry", "true"),
                                            ("retry-after-ms", "500")], group="x-should-retry"))
    add(case("xsr[false]+ra[1]@429", 429, [("x-should-retry", "false"), ("Retry-After", "1")],
             group="x-should-retry"))
    add(case("xsr[true]+ra[inf]@400", 400, [("x-should-retry", "true"), ("Retry-After", "inf")],
             group="x-should-retry"))

    add(case("xsr[true]+ms[200000]@400", 400, [("x-should-retry", "true"),
                                               ("retry-after-ms", "200000")],
             group="x-should-retry"))
    add(case("xsr[false]+ms[100]@500", 500, [("x-should-retry", "false"),
                                             ("retry-after-ms", "100")], group="x-should-retry"))

    # header names are case-insensitive (httpx2.Headers)
    for name in ["RETRY-AFTER-MS", "Retry-After-Ms"]:
        add(case(f"case[{name}: 100]", 429, [(name, "100")], group="header-case"))
    for name in ["RETRY-AFTER", "retry-after"]:
        add(case(f"case[{name}: 4]", 429, [(name, "4")], group="header-case"))
    add(case("case[X-Should-Retry: true]@400", 400, [("X-Should-Retry", "true")],
             group="header-case"))

    # provider rate-limit reset headers: neither SDK reads them
    iso30 = _real_time.strftime("%Y-%m-%dT%H:%M:%SZ", _real_time.gmtime(NOW + 30))
    for hs in [
        [("x-ratelimit-reset-requests", "6m0s")],
        [("x-ratelimit-reset-tokens", "20ms")],
        [("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-reset-tokens", "2s")],
        [("anthropic-ratelimit-requests-reset", iso30)],
        [("anthropic-ratelimit-tokens-reset", iso30)],
        [("anthropic-ratelimit-input-tokens-reset", iso30),
         ("anthropic-ratelimit-output-tokens-reset", iso30)],
        [("retry-after-ms", "100"), ("x-ratelimit-reset-requests", "1s")],
        [("Retry-After", "2"), ("anthropic-ratelimit-requests-reset", iso30)],
    ]:
        label = "+".join(f"{k}[{v}]" for k, v in hs)
        add(case(f"reset[{label}]", 429, hs, group="ratelimit-reset"))

    # bare statuses
    for st in [400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 425, 429, 451, 499,
               500, 501, 502, 503, 504, 505, 520, 529, 599]:
        add(case(f"status[{st}]", st, [], group="status"))

    # provider bodies
    quota = {"error": {"type": "insufficient_quota", "code": "insufficient_quota",
                       "message": "You exceeded your current quota"}}
    add(case("body[openai insufficient_quota]@429", 429, [], quota, group="body"))
    rl = {"type": "error", "error": {"type": "rate_limit_error",
                                     "message": "Number of requests has exceeded your rate limit"}}
    add(case("body[anthropic rate_limit_error]@429", 429, [], rl, group="body"))
    add(case("body[anthropic rate_limit_error]@400", 400, [], rl, group="body"))
    ov = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    add(case("body[anthropic overloaded_error]@529", 529, [], ov, group="body"))
    spend = {"type": "error", "error": {"type": "rate_limit_error",
                                        "message": "enforced_spend_limit_reached"}}
    add(case("body[anthropic enforced_spend_limit_reached]@429", 429, [], spend, group="body"))
    add(case("body[openai insufficient_quota]@429+ra[3]", 429, [("Retry-After", "3")], quota,
             group="body"))
    add(case("body[not json]@500", 500, [], "<html>bad gateway</html>", group="body"))

    # transport errors
    for kind in ["connect_error", "read_timeout", "connect_timeout", "write_timeout",
                 "pool_timeout", "remote_protocol_error", "read_error"]:
        add(case(f"transport[{kind}]", kind, [], group="transport"))
    for kind in ["connect_error", "read_timeout"]:
        add(case(f"transport[{kind}] always", kind, [], failures="all", group="transport"))

    # exhaustion: every attempt fails
    add(case("always status[429]", 429, [], failures="all", group="exhaustion"))
    add(case("always status[500]", 500, [], failures="all", group="exhaustion"))
    add(case("always status[503] ra[1]", 503, [("Retry-After", "1")], failures="all",
             group="exhaustion"))
    add(case("always status[429] ms[100]", 429, [("retry-after-ms", "100")], failures="all",
             group="exhaustion"))
    add(case("always status[429] ra[121]", 429, [("Retry-After", "121")], failures="all",
             group="exhaustion"))
    add(case("two failures status[502]", 502, [], failures=2, group="exhaustion"))

    # jitter band
    for u in [0.0, 0.25, 0.5, 0.75, 0.999, 0.9999999999999999]:
        add(case(f"jitter[U={u!r}] always 500", 500, [], failures="all", random=u,
                 group="jitter"))
    for u in [0.0, 0.999]:
        add(case(f"jitter[U={u!r}] always 500 max_retries=6", 500, [], failures="all",
                 random=u, max_retries=6, group="jitter"))
        add(case(f"jitter[U={u!r}] ra[-2] always 429", 429, [("Retry-After", "-2")],
                 failures="all", random=u, group="jitter"))

    # GET endpoint (no idempotency key is generated for GET)
    add(case("GET status[429]", 429, [], endpoint="list", group="get"))
    add(case("GET status[500] ra[2]", 500, [("Retry-After", "2")], endpoint="list", group="get"))
    add(case("GET transport[connect_error]", "connect_error", [], endpoint="list", group="get"))

    ids = [c["id"] for c in cs]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cs


TRANSPORT_ERRORS = {
    "connect_error": lambda req: httpx2.ConnectError("mock: connection refused", request=req),
    "read_timeout": lambda req: httpx2.ReadTimeout("mock: read timed out", request=req),
    "connect_timeout": lambda req: httpx2.ConnectTimeout("mock: connect timed out", request=req),
    "write_timeout": lambda req: httpx2.WriteTimeout("mock: write timed out", request=req),
    "pool_timeout": lambda req: httpx2.PoolTimeout("mock: pool timed out", request=req),
    "remote_protocol_error": lambda req: httpx2.RemoteProtocolError("mock: bad peer", request=req),
    "read_error": lambda req: httpx2.ReadError("mock: connection reset", request=req),
}


# --------------------------------------------------------------------------------------------
# patching
# --------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.reset(DEFAULT_U, NOW)

    def reset(self, u, now):
        self.u = u
        self.now = now
        self.random_calls = 0
        self.random_calls_at_last_sleep = 0
        self.sleeps = []
        self.clock_reads = 0
        self.stray = []

    def random(self):
        self.random_calls += 1
        return self.u

    def time(self):
        self.clock_reads += 1
        return self.now

    def sleep(self, seconds):
        drew = self.random_calls - self.random_calls_at_last_sleep
        self.random_calls_at_last_sleep = self.random_calls
        assert drew in (0, 1), drew
        self.sleeps.append({"seconds": float(seconds), "random": self.u if drew else None})


REC = Recorder()


def _time_proxy():
    proxy = types.ModuleType("time_proxy")
    proxy.__dict__.update({k: getattr(_real_time, k) for k in dir(_real_time)
                           if not k.startswith("__")})
    proxy.time = REC.time
    proxy.sleep = REC.sleep
    return proxy


def install_patches():
    for mod in (openai_base, anthropic_base):
        assert callable(getattr(mod, "random")), mod
        assert getattr(mod, "time") is _real_time, mod
        mod.random = REC.random
        mod.time = _time_proxy()

    def stray_sleep(s):
        REC.stray.append(("time.sleep", s))

    def stray_random():
        REC.stray.append(("random.random", None))
        return 0.5

    _real_time.sleep = stray_sleep
    _random_mod.random = stray_random


# --------------------------------------------------------------------------------------------
# driving the SDKs
# --------------------------------------------------------------------------------------------
def make_handler(c, sdk, attempts):
    failures = c["failures"]

    def handler(request: httpx2.Request) -> httpx2.Response:
        n = len(attempts)
        attempts.append({
            "method": request.method,
            "path": request.url.path,
            "headers": {h: request.headers.get(h) for h in RECORDED_REQUEST_HEADERS
                        if request.headers.get(h) is not None},
            "idempotency_like_headers": sorted(
                h for h in request.headers.keys() if "idempot" in h.lower()),
        })
        failing = failures == "all" or n < failures
        if not failing:
            if c["endpoint"] == "list":
                ok = OPENAI_LIST_OK if sdk == "openai" else ANTHROPIC_LIST_OK
            else:
                ok = OPENAI_OK if sdk == "openai" else ANTHROPIC_OK
            return httpx2.Response(200, json=ok)
        if isinstance(c["status"], str):
            raise TRANSPORT_ERRORS[c["status"]](request)
        headers = [tuple(h) for h in c["headers"]]
        body = c["body"]
        if body is None:
            content = b""
        elif isinstance(body, str):
            content = body.encode()
            headers.append(("content-type", "text/html"))
        else:
            content = json.dumps(body).encode()
            headers.append(("content-type", "application/json"))
        return httpx2.Response(c["status"], headers=headers, content=content)

    return handler


def make_client(sdk, c, handler):
    http_client = httpx2.Client(transport=httpx2.MockTransport(handler))
    kw = {}
    if c["max_retries"] is not None:
        kw["max_retries"] = c["max_retries"]
    if sdk == "openai":
        return openai.OpenAI(api_key="sk-fixture", base_url="http://mock.invalid/v1",
                             http_client=http_client, **kw)
    return anthropic.Anthropic(api_key="sk-ant-fixture", base_url="http://mock.invalid",
                               http_client=http_client, **kw)


def call(sdk, client, endpoint):
    if endpoint == "list":
        page = client.models.list()
        return type(page).__name__
    if sdk == "openai":
        r = client.chat.completions.create(
            model="gpt-fixture", messages=[{"role": "user", "content": "hi"}])
    else:
        r = client.messages.create(
            model="claude-fixture", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    return type(r).__name__


def parsed_retry_after(client, c):
    """The SDK's own `_parse_retry_after_header` on the case's headers, as repr (nan/inf)."""
    if isinstance(c["status"], str):
        return None
    hdrs = httpx2.Headers([tuple(h) for h in c["headers"]])
    try:
        v = client._parse_retry_after_header(hdrs)
    except Exception as e:  # noqa: BLE001
        return f"raised {type(e).__name__}"
    return None if v is None else repr(v)


def run_case(sdk, c):
    attempts = []
    REC.reset(c["random"], c["now"])
    client = make_client(sdk, c, make_handler(c, sdk, attempts))
    default_max_retries = client.max_retries
    outcome = {}
    try:
        result_type = call(sdk, client, c["endpoint"])
        outcome = {"kind": "success", "result_type": result_type}
    except Exception as e:  # noqa: BLE001
        exc_mod = type(e).__module__.split(".")[0]
        outcome = {"kind": "error", "exception": f"{exc_mod}.{type(e).__name__}",
                   "status_code": getattr(e, "status_code", None)}
    sleeps = REC.sleeps
    stray = REC.stray
    assert not stray, (sdk, c["id"], stray)
    # SDK's own view of the header, without driving the loop (same patched clock)
    REC.reset(c["random"], c["now"])
    parsed = parsed_retry_after(client, c)
    should = None
    if not isinstance(c["status"], str):
        resp = httpx2.Response(c["status"], headers=[tuple(h) for h in c["headers"]],
                               request=httpx2.Request("POST", "http://mock.invalid/x"))
        should = bool(client._should_retry(resp))
    client.close()
    return {
        "sdk": sdk,
        "id": c["id"],
        "max_retries": default_max_retries,
        "requests": len(attempts),
        "retries": len(attempts) - 1,
        "attempts": attempts,
        "sleeps": sleeps,
        "outcome": outcome,
        "sdk_parse_retry_after_header": parsed,
        "sdk_should_retry": should,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", help="write JSON here instead of stdout")
    args = ap.parse_args()
    install_patches()
    cases = build_cases()
    out_cases = []
    for c in cases:
        entry = {
            "id": c["id"],
            "group": c["group"],
            "status": c["status"],
            "response_headers": c["headers"],
            "response_body": c["body"],
            "failures": c["failures"],
            "endpoint": {"create": "POST", "list": "GET"}[c["endpoint"]],
            "random": c["random"],
            "now_unix": c["now"],
            "results": {},
        }
        for sdk in ("openai", "anthropic"):
            r = run_case(sdk, c)
            entry["results"][sdk] = {k: v for k, v in r.items() if k not in ("sdk", "id")}
        out_cases.append(entry)
    doc = {
        "metadata": {
            "generator": "tools/sdk-decisions/record.py",
            "python": sys.version.split()[0],
            "packages": {p: md.version(p) for p in ("openai", "anthropic", "httpx2", "anyio")},
            "tz": os.environ["TZ"],
            "default_now_unix": NOW,
            "default_random": DEFAULT_U,
            "patching": {
                "random": "<sdk>._base_client.random (bound by `from random import random`) "
                          "replaced by a function returning the case's `random`",
                "sleep": "<sdk>._base_client.time replaced by a proxy of the time module whose "
                         "sleep() records the argument and returns at once",
                "clock": "the same proxy's time() returns the case's `now_unix`; only "
                         "`retry_date - time.time()` in _parse_retry_after_header reads it",
                "tripwires": "global time.sleep and random.random replaced; the run asserts "
                             "neither was called",
            },
            "transport": "httpx2.MockTransport via http_client=httpx2.Client(transport=...); "
                         "the first `failures` attempts answer with the case (status, headers, "
                         "body) or raise the named httpx2 exception, later attempts get 200 with "
                         "a minimal valid body; header values are passed verbatim (no wire "
                         "parsing, so surrounding whitespace reaches the SDK)",
            "endpoints": {
                "POST": {"openai": "client.chat.completions.create (POST /v1/chat/completions)",
                         "anthropic": "client.messages.create (POST /v1/messages)"},
                "GET": {"openai": "client.models.list (GET /v1/models)",
                        "anthropic": "client.models.list (GET /v1/models)"},
            },
            "fields": {
                "status": "HTTP status of a failing response, or a transport error name",
                "response_headers": "[name, value] pairs of a failing response, in order "
                                    "(content-type is added when there is a body)",
                "failures": "how many leading attempts fail (int), or \"all\"",
                "random": "the value random() returns in this case (U)",
                "results.<sdk>.max_retries": "the client's max_retries (default 2)",
                "results.<sdk>.requests": "HTTP requests made in all",
                "results.<sdk>.attempts[i].headers": "x-stainless-retry-count etc. as sent",
                "results.<sdk>.sleeps[i].seconds": "argument of the i-th time.sleep",
                "results.<sdk>.sleeps[i].random": "U if random() was drawn for this sleep "
                                                  "(backoff used), null if the server delay was",
                "results.<sdk>.outcome": "success, or the exception class and status_code",
                "results.<sdk>.sdk_parse_retry_after_header": "repr of the SDK's own "
                                                              "_parse_retry_after_header(headers) "
                                                              "at now_unix, or null",
                "results.<sdk>.sdk_should_retry": "the SDK's own _should_retry(response) "
                                                  "(ignores remaining retries), null for "
                                                  "transport errors",
            },
            "case_count": len(out_cases),
        },
        "cases": out_cases,
    }
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
