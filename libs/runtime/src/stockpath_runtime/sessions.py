"""Web page sessions and CSRF tokens, signed with itsdangerous (never the bearer token itself).

After a sign-in, the session cookie holds the credential's id and a random nonce, signed and
timestamped: it proves who signed in without holding their secret, and dies with the credential
(revoked or expired) or after `max_age_s`. Every form carries a CSRF token: the nonce of the
session — or, before sign-in and for anonymous buyers, of a separate ``csrf`` cookie — signed
for a different purpose, so a token from one browser is worthless in another, and a page of
another site can neither read it nor make one.

Cookies are ``HttpOnly``, ``SameSite=Strict`` and ``Secure`` unless the service is served on a
loopback address (a developer's machine), where browsers would not send a Secure cookie over http.
"""

from __future__ import annotations

import ipaddress
import secrets

import structlog
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

log = structlog.get_logger("stockpath.sessions")

SESSION_COOKIE = "stockpath_session"
CSRF_COOKIE = "stockpath_csrf"
CSRF_FIELD = "csrf_token"


class InvalidCsrfToken(Exception):
    def __init__(self) -> None:
        super().__init__(
            "the form has expired or did not come from this site; reload the page and try again"
        )


class Sessions:
    def __init__(
        self, secret: str, *, path: str = "/", max_age_s: int = 12 * 3600, secure: bool = True
    ) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="stockpath-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="stockpath-csrf")
        self._nonces = URLSafeTimedSerializer(secret, salt="stockpath-csrf-nonce")
        self.path = path
        self.max_age_s = max_age_s
        self.secure = secure

    # --- sessions -----------------------------------------------------------------------------

    def sign_in(self, response: Response, credential_id: str) -> None:
        value = self._sessions.dumps(
            {"credential": credential_id, "nonce": secrets.token_urlsafe(16)}
        )
        self._set(response, SESSION_COOKIE, value, self.max_age_s)

    def sign_out(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path=self.path)

    def credential_of(self, request: Request) -> str | None:
        session = self._session(request)
        return session["credential"] if session else None

    def _session(self, request: Request) -> dict | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            session = self._sessions.loads(raw, max_age=self.max_age_s)
        except BadSignature:
            return None
        return (
            session
            if isinstance(session, dict) and "credential" in session and "nonce" in session
            else None
        )

    # --- CSRF ---------------------------------------------------------------------------------

    def csrf_token(self, request: Request, response: Response | None = None) -> str:
        """The token to put in this page's forms; sets the anonymous nonce cookie when needed."""
        nonce = self._nonce(request)
        if nonce is None:
            nonce = secrets.token_urlsafe(16)
            request.state.new_csrf_nonce = nonce
            if response is not None:
                self.keep_csrf_nonce(request, response)
        return self._csrf.dumps(nonce)

    def keep_csrf_nonce(self, request: Request, response: Response) -> None:
        """Set the anonymous nonce cookie a page made while rendering (call on its response)."""
        nonce = getattr(request.state, "new_csrf_nonce", None)
        if nonce is not None:
            self._set(response, CSRF_COOKIE, self._nonces.dumps(nonce), self.max_age_s)

    def check_csrf(self, request: Request, token: str | None) -> None:
        """Raise `InvalidCsrfToken` unless `token` was made for this browser's nonce.

        A request that authenticates with a bearer header needs none: a browser never adds that
        header to another site's form post, so no other site can forge it."""
        if request.headers.get("authorization", "").lower().startswith("bearer "):
            return
        nonce = self._nonce(request)
        try:
            made_for = self._csrf.loads(token or "", max_age=self.max_age_s)
        except BadSignature:
            made_for = None
        if (
            nonce is None
            or not isinstance(made_for, str)
            or not secrets.compare_digest(made_for, nonce)
        ):
            raise InvalidCsrfToken()

    def _nonce(self, request: Request) -> str | None:
        session = self._session(request)
        if session is not None:
            return session["nonce"]
        new = getattr(request.state, "new_csrf_nonce", None)
        if new is not None:
            return new
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw:
            return None
        try:
            nonce = self._nonces.loads(raw, max_age=self.max_age_s)
        except BadSignature:
            return None
        return nonce if isinstance(nonce, str) else None

    def _set(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.path,
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )


def secure_by_default(host: str) -> bool:
    """Secure cookies everywhere but on a loopback address (http on a developer's machine)."""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"
