"""Optional DKIM signing (dkimpy), configured in newsletter.toml:

    [dkim]
    domain = "comune.torino.it"
    selector = "wip2024"
    private_key = "subscribers/dkim.key"   # an RSA key in PEM

The signature covers both List-Unsubscribe headers, as RFC 8058 §4 asks,
so that a forwarder cannot forge a one-click unsubscription.
"""

from __future__ import annotations

from pathlib import Path

import dkim

from newsletter.core.config import Config
from newsletter.core.errors import ConfigError

SIGNED_HEADERS = [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"MIME-Version",
                  b"Content-Type", b"Content-Language", b"List-Id", b"List-Unsubscribe",
                  b"List-Unsubscribe-Post"]


class Signer:
    def __init__(self, domain: str, selector: str, key_file: Path):
        try:
            self.key = key_file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"dkim.private_key: cannot read {key_file} ({exc.strerror})") from None
        self.domain, self.selector = domain.encode(), selector.encode()

    def sign(self, message: bytes) -> bytes:
        """The DKIM-Signature header line(s) to put before the message."""
        return dkim.sign(message, self.selector, self.domain, self.key,
                         include_headers=SIGNED_HEADERS, linesep=b"\r\n")


def signer_from(config: Config) -> Signer | None:
    """The signer of the [dkim] section (checked when the configuration was loaded)."""
    if config.dkim is None:
        return None
    return Signer(config.dkim.domain, config.dkim.selector, config.dkim.key_file)
