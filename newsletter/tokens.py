"""Signed links: confirm (expires), unsubscribe and preferences (do not
expire: an old bulletin's unsubscribe link must keep working). Each kind has
its own salt, so a token of one kind never passes for another."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from .errors import NewsletterError


class TokenInvalid(NewsletterError):
    """Forged, truncated or of the wrong kind."""


class TokenExpired(NewsletterError):
    """Genuine but too old."""


class Tokens:
    def __init__(self, secret: bytes, confirm_max_age_seconds: int):
        self.max_age = confirm_max_age_seconds
        self._confirm = URLSafeTimedSerializer(secret, salt="confirm-subscription")
        self._unsubscribe = URLSafeSerializer(secret, salt="unsubscribe")
        self._preferences = URLSafeSerializer(secret, salt="preferences")

    def confirm(self, uid: str) -> str:
        return self._confirm.dumps(uid)

    def unsubscribe(self, uid: str) -> str:
        return self._unsubscribe.dumps(uid)

    def preferences(self, uid: str) -> str:
        return self._preferences.dumps(uid)

    def read_confirm(self, token: str) -> str:
        try:
            return self._confirm.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise TokenExpired("the confirmation link has expired") from None
        except BadSignature:
            raise TokenInvalid("the confirmation link is not valid") from None

    def read_unsubscribe(self, token: str) -> str:
        return _read(self._unsubscribe, token)

    def read_preferences(self, token: str) -> str:
        return _read(self._preferences, token)


def _read(serializer: URLSafeSerializer, token: str) -> str:
    try:
        value = serializer.loads(token)
    except BadSignature:
        raise TokenInvalid("the link is not valid") from None
    if not isinstance(value, str):
        raise TokenInvalid("the link is not valid")
    return value
