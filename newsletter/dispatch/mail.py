"""Transactional emails (subscription confirmation, unsubscribe link):
small plain-text messages in the subscriber's language, built with the
standard library so headers are encoded and injection-proof."""

from __future__ import annotations

import email.policy
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage

from newsletter.core.config import Config
from newsletter.render.labels import SITE


def message(config: Config, to_email: str, to_name: str | None, language: str,
             subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTPUTF8 if not to_email.isascii()
                           else email.policy.SMTP)
    message["From"] = Address(config.sender_name, addr_spec=config.sender_address)
    message["Reply-To"] = config.reply_to
    # Given as its parts: parsing an addr_spec refuses a non-ASCII local part
    # (NonASCIILocalPartDefect) although SMTPUTF8 (RFC 6531/6532) allows it.
    local_part, _, domain = to_email.rpartition("@")
    message["To"] = Address(to_name or "", local_part, domain)
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(domain=config.sender_domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which clears Content-*
    return message


def confirmation(config: Config, to_email: str, to_name: str | None, language: str,
                 confirm_url: str) -> EmailMessage:
    words = SITE[language]
    hours = config.confirm_hours
    body = "\n\n".join([
        words["mail_confirm_body"].format(title=config.title, hours=hours), confirm_url,
        words["mail_confirm_ignore"], _signature(config, language)])
    return message(config, to_email, to_name, language,
                    words["mail_confirm_subject"].format(title=config.title), body + "\n")


def unsubscribe_link(config: Config, to_email: str, to_name: str | None, language: str,
                     unsubscribe_url: str, preferences_url: str) -> EmailMessage:
    words = SITE[language]
    body = "\n\n".join([
        words["mail_unsubscribe_body"].format(title=config.title), unsubscribe_url,
        words["mail_preferences"], preferences_url, _signature(config, language)])
    return message(config, to_email, to_name, language,
                    words["mail_unsubscribe_subject"].format(title=config.title), body + "\n")


def _signature(config: Config, language: str) -> str:
    office = config.office
    return "\n".join(["-- ", *office.name_lines(language), *office.address, office.email])
