"""The desk's web app: the queue, the decided list, and decisions written as `hkam review` writes
them (flows/review.py), behind a CSRF token, an Origin check and a strict CSP."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flows import review
from flows.desk import data
from flows.review_status import accept_status, reject_status
from flows.settings import Settings

HERE = Path(__file__).resolve().parent
REASONS = (
    "not a commitment: a speech, a policy or a scheme's terms",
    "not advanced manufacturing",
    "already in the register",
    "no figure committed in Hong Kong",
    "the same commitment as another release",
    "not progress on this commitment (status)",
)
MAX_FORM_BYTES = 64_000
# Release text is untrusted: no inline script or style runs, nothing loads from elsewhere.
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer makes Chromium post Origin: null
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
LOOPBACK = ("127.0.0.1", "localhost")


class SecurityHeaders:
    """Adds HEADERS to every response, error pages and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send_with_headers)


class Desk:
    """The app's state: settings, the CSRF token of this server, templates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token = secrets.token_urlsafe(32)
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A rendered template (every value escaped)."""
        html = self.env.get_template(name).render(csrf=self.token, reasons=REASONS, **context)
        return HTMLResponse(html, status_code=status)

    def snapshot(self) -> data.Snapshot:
        try:
            return data.read_snapshot(self.settings)
        except data.NoWarehouse as exc:
            raise HTTPException(503, str(exc)) from exc

    async def queue(self, request: Request) -> Response:
        return await self._queue(request, None)

    async def one(self, request: Request) -> Response:
        """One release's page (a link to share); a clear 404 or 409 when it is not open."""
        return await self._queue(request, request.path_params["rid"])

    async def _queue(self, request: Request, only: str | None) -> Response:
        filters = data.Filters.parse(request.query_params)
        snap = await run_in_threadpool(self.snapshot)
        if only is not None:
            self._open_row(snap, only)
            filters = data.Filters()
        items = data.open_items(snap, self.settings.data_dir)
        shown = [i for i in items if filters.keep(i) and only in (None, i.id)]
        return self.page(
            "queue.html",
            items=shown,
            left=len(items),
            filters=filters,
            back=filters.query(),
            clusters=snap.clusters,
            kinds=data.KINDS,
            companies=[c["name_en"] for c in snap.companies],
            last=next(iter(review.decisions_newest_first(self.settings.data_dir)), None),
        )

    async def decided(self, request: Request) -> Response:
        snap = await run_in_threadpool(self.snapshot)
        rows = data.decided_list(snap, self.settings.data_dir)
        left = len(data.open_items(snap, self.settings.data_dir))
        return self.page("decided.html", rows=rows, left=left)

    def _open_row(self, snap: data.Snapshot, rid: str) -> dict[str, Any]:
        """The candidate or status proposal if it is open; else a 409 (decided) or a 404."""
        done = review.read_decisions(self.settings.data_dir).get(rid)
        if done is not None:
            raise HTTPException(
                409, f"{rid} was already {done.decision}; undo takes back the last decision"
            )
        row = snap.proposal(rid) if is_status(rid) else snap.candidate(rid)
        if row is None:
            what = "status proposal" if is_status(rid) else "candidate"
            raise HTTPException(404, f"no {what} {rid!r} in {self.settings.warehouse}")
        return row

    async def _form(self, request: Request) -> dict[str, str]:
        """The posted fields, after the Origin check and the CSRF token."""
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.headers['host']}":
            raise HTTPException(403, "a decision must come from the desk's own page")
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise HTTPException(403, "a decision must come from the desk's own page")
        if request.headers.get("content-type", "").split(";")[0] != (
            "application/x-www-form-urlencoded"
        ):
            raise HTTPException(415, "send the desk's form")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "form too large")
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not hmac.compare_digest(fields.get("csrf", ""), self.token):
            raise HTTPException(403, "the page is out of date (its form token expired): reload")
        return fields

    def _back(self, fields: dict[str, str], at: str = "") -> RedirectResponse:
        """Back to the queue with its filters (re-parsed: never a redirect elsewhere)."""
        query = {k: v[0] for k, v in parse_qs(fields.get("back", "")).items()}
        again = data.Filters.parse(query).query()
        spot = f"#pos-{int(at)}" if at.isdigit() else ""
        return RedirectResponse(f"/?{again}{spot}" if again else f"/{spot}", status_code=303)

    async def accept(self, request: Request) -> Response:
        fields = await self._form(request)
        rid = request.path_params["rid"]
        scope, party = fields.get("scope", "project"), fields.get("party", "company")
        if scope not in ("project", "aggregate") or party not in ("company", "government"):
            raise HTTPException(400, "scope is project or aggregate; party company or government")
        amount = fields.get("amount", "")
        if amount and not amount.isdigit():
            raise HTTPException(400, f"amount {amount!r} is not a number from the list")

        def write() -> None:
            # One decision at a time with every other writer (the CLI too): check, then write.
            with review.writing(self.settings.data_dir):
                snap = self.snapshot()
                row = self._open_row(snap, rid)
                try:
                    if is_status(rid):
                        accept_status(self.settings, rid, note=fields.get("note") or None)
                    else:
                        company, number = fields.get("company", ""), int(amount) if amount else None
                        where = self.settings.data_dir
                        review.accept(where, row, company, scope, party, number, snap.companies)
                except review.AlreadyDecided as exc:
                    raise HTTPException(409, str(exc)) from exc
                except review.ReviewError as exc:
                    raise HTTPException(400, _in_desk_words(str(exc))) from exc

        await run_in_threadpool(write)
        return self._back(fields, fields.get("at", ""))

    async def reject(self, request: Request) -> Response:
        fields = await self._form(request)
        rid = request.path_params["rid"]
        reason = fields.get("other", "").strip() or fields.get("reason", "").strip()
        if not reason:
            raise HTTPException(400, f"{rid}: choose a reason or write one")

        def write() -> None:
            with review.writing(self.settings.data_dir):
                self._open_row(self.snapshot(), rid)
                try:
                    if is_status(rid):
                        reject_status(self.settings, rid, reason)
                    else:
                        review.reject(self.settings.data_dir, rid, reason)
                except review.AlreadyDecided as exc:
                    raise HTTPException(409, str(exc)) from exc

        await run_in_threadpool(write)
        return self._back(fields, fields.get("at", ""))

    async def undo(self, request: Request) -> Response:
        fields = await self._form(request)

        def write() -> None:
            with review.writing(self.settings.data_dir):
                try:
                    review.undo(self.settings.data_dir)
                except review.ReviewError as exc:
                    raise HTTPException(409, str(exc)) from exc

        await run_in_threadpool(write)
        if fields.get("from") == "decided":
            return RedirectResponse("/decided", status_code=303)
        return self._back(fields)

    async def error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "the desk failed; see its log"
        return self.page("error.html", status=status, status_code=status, message=detail)


def is_status(rid: str) -> bool:
    """A status proposal's id (issue 24), not a release's P-number."""
    return rid.startswith(review.STATUS_PREFIX)


def _in_desk_words(message: str) -> str:
    """The CLI's message with its flags named as the desk's fields."""
    return message.replace("pass --company NAME", "write the company").replace(
        "with --amount N", "in the amount list"
    )


def create_app(settings: Settings, host: str = "127.0.0.1") -> Starlette:
    """The desk over settings.warehouse (read-only) and settings.data_dir (decisions)."""
    desk = Desk(settings)
    # A page on another site cannot reach the desk through a name it points at 127.0.0.1.
    hosts = ["*"] if host in ("0.0.0.0", "::", "") else [*LOOPBACK, host]
    return Starlette(
        routes=[
            Route("/", desk.queue),
            Route("/decided", desk.decided),
            Route("/release/{rid}", desk.one),
            Route("/accept/{rid}", desk.accept, methods=["POST"]),
            Route("/reject/{rid}", desk.reject, methods=["POST"]),
            Route("/undo", desk.undo, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
        ],
        exception_handlers={HTTPException: desk.error, Exception: desk.error},
    )
