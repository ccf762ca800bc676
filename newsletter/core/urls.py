"""Every absolute public link, made in one place: the web page and PDF of
an edition, its images, the subscription pages and their signed links. A
change of path or of base URL is one edit here. (The archive is a static
site whose pages link to each other relatively.)

Signed links (``Tokens``): confirm (expires), unsubscribe and preferences
(do not expire: an old bulletin's unsubscribe link must keep working).
Each kind has its own salt, so a token of one kind never passes for
another. An application makes one ``Urls`` (and so one ``Tokens``).
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from .config import Config
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


class Urls:
    """Absolute URLs against the configured base URL; ``path`` variants
    (from the site's root) for links inside the web app's own pages."""

    def __init__(self, base_url: str, tokens: Tokens | None = None):
        self.base = base_url.rstrip("/")
        self._tokens = tokens

    @classmethod
    def of(cls, config: Config, *, base_url: str | None = None) -> Urls:
        """The URL builder of a configured application (with its Tokens)."""
        return cls(base_url or config.base_url, Tokens(config.secret(), config.confirm_hours * 3600))

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            raise RuntimeError("this URL builder was made without a secret: no signed links")
        return self._tokens

    def absolute(self, path: str) -> str:
        return f"{self.base}{path}"

    # -- an edition --------------------------------------------------------------------

    def edition(self, month: str, lang: str) -> str:
        """The edition's web page ("view online")."""
        return self.absolute(f"/{month}/{lang}/")

    def pdf(self, month: str, lang: str) -> str:
        return f"{self.edition(month, lang)}issue.pdf"

    def image(self, month: str, name: str) -> str:
        return self.absolute(f"/{month}/images/{name}")

    def click(self, month: str, lang: str, item: str, link: int) -> str:
        """A counted link (``[metrics] clicks``): the edition, the item and the
        link's number, never who clicks."""
        return self.absolute(f"/c/{month}/{lang}/{item}/{link}")

    def welcome(self, token: str) -> str:
        """The workspace's page where a person chooses their password (one-time link)."""
        return self.absolute(f"/editor/welcome/{token}")

    # -- the subscription pages ------------------------------------------------------------

    def subscribe(self) -> str:
        return self.absolute("/subscribe")

    def unsubscribe_page(self) -> str:
        """Where anyone can ask for their unsubscribe link (no token)."""
        return self.absolute("/unsubscribe")

    def unsubscribe_path(self, uid: str) -> str:
        return f"/unsubscribe/{self.tokens.unsubscribe(uid)}"

    def unsubscribe(self, uid: str) -> str:
        """A subscriber's own one-click unsubscribe link (RFC 8058)."""
        return self.absolute(self.unsubscribe_path(uid))

    def confirm(self, uid: str) -> str:
        return self.absolute(f"/confirm/{self.tokens.confirm(uid)}")

    def preferences(self, uid: str) -> str:
        return self.absolute(f"/preferences/{self.tokens.preferences(uid)}")
