"""E-mails of requests for information: sent once the transaction commits, one message per address.

One message per address, so that people acting for an organisation never see each other's
addresses. Texts are in the site's language (no request, no user language here). A failure to
send is logged, never raised: the change it tells about is committed already, and the in-app
notification is there.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

from django.core.mail import EmailMessage, get_connection
from django.db import transaction

logger = logging.getLogger(__name__)


def _send(addresses: list[str], subject: str, body: str) -> None:
    try:
        with get_connection() as connection:
            connection.send_messages([EmailMessage(subject=subject, body=body, to=[address]) for address in addresses])
    except (smtplib.SMTPException, OSError):
        logger.warning("info_requests e-mail %r not sent to %d address(es)", subject, len(addresses), exc_info=True)


def mail_on_commit(*, to: Iterable[str], subject: str, body: str) -> None:
    """Send ``subject``/``body`` to each address once the current transaction commits (never on rollback)."""
    addresses = sorted({address for address in to if address})
    if addresses:
        transaction.on_commit(lambda: _send(addresses, str(subject), str(body)))
