"""Delivery bookkeeping: what was sent where, and what failed and waits to be sent again.

Each attempt at a delivery leaves a :class:`Delivery` record: the channel (``slack`` or
``email``), the target (the Slack channel, ``webhook`` for an incoming webhook whose URL is a
secret, or one e-mail recipient), the status (``sent`` or ``failed``), the attempts so far, the
last error, and the digest's date and profile. The latest record of a (channel, target, date,
profile) is that delivery's state; ``papersift deliver --retry`` sends again every one whose
latest record failed, from the digest JSON file, which a failed delivery never touches.

A :class:`DeliveryLog` keeps the records. Its shape is two methods::

    save_delivery(record: Delivery) -> None        # append the record
    load_failed_deliveries() -> list[Delivery]     # the latest record of each key, if failed

:class:`JsonlDeliveryLog` is the file-backed log: one JSON object per line in
``deliveries.jsonl`` beside the digests, for library use without a database; ``papersift run``
and ``papersift deliver`` use the store, which implements the same protocol in its
``deliveries`` table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from papersift.errors import StoreError

logger = logging.getLogger(__name__)

Channel = Literal["slack", "email"]
DeliveryStatus = Literal["sent", "failed"]
LOG_NAME = "deliveries.jsonl"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of delivering one digest to one target."""

    channel: Channel
    target: str
    """The Slack channel, ``webhook``, or one e-mail address; never a secret."""
    status: DeliveryStatus
    digest_date: dt.date
    profile: str
    attempts: int = 1
    """Attempts so far, this one included."""
    last_error: str = ""
    """The reason of the latest failure; empty once sent."""
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """When this attempt ended."""
    parts_sent: int = 0
    """Messages of a digest split over several that are in the channel although the delivery
    failed; a retry posts only the rest."""

    @property
    def key(self) -> tuple[str, str, dt.date, str]:
        """What identifies one delivery across its attempts."""
        return (self.channel, self.target, self.digest_date, self.profile)

    def retried(self, status: DeliveryStatus, error: str = "", parts_sent: int = 0) -> Delivery:
        """The record of the next attempt at this delivery."""
        return dataclasses.replace(
            self,
            status=status,
            attempts=self.attempts + 1,
            last_error=error,
            at=dt.datetime.now(dt.UTC),
            parts_sent=parts_sent,
        )


class DeliveryLog(Protocol):
    """Where delivery records are kept."""

    def save_delivery(self, record: Delivery) -> None:
        """Keep ``record``; a later record of the same key supersedes earlier ones."""
        ...

    def load_failed_deliveries(self) -> list[Delivery]:
        """The latest record of every delivery whose latest attempt failed, oldest first."""
        ...


class JsonlDeliveryLog:
    """A :class:`DeliveryLog` in a JSON Lines file, one record a line, appended to."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save_delivery(self, record: Delivery) -> None:
        """Append ``record`` to the file."""
        line = json.dumps(_to_dict(record), ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise StoreError(
                f"Cannot record the delivery in {str(self.path)!r}: {exc}.",
                "Check that the output folder is writable.",
            ) from None

    def load_deliveries(self) -> list[Delivery]:
        """Every record in the file, in the order written; unreadable lines are skipped."""
        if not self.path.exists():
            return []
        records = []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(_from_dict(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                logger.warning("Skipping line %d of %s: %s", number, self.path, exc)
        return records

    def load_failed_deliveries(self) -> list[Delivery]:
        """The latest record of every delivery whose latest attempt failed."""
        latest: dict[tuple[str, str, dt.date, str], Delivery] = {}
        for record in self.load_deliveries():
            latest.pop(record.key, None)
            latest[record.key] = record
        return [record for record in latest.values() if record.status == "failed"]


def _to_dict(record: Delivery) -> dict[str, object]:
    return {
        "channel": record.channel,
        "target": record.target,
        "status": record.status,
        "digest_date": record.digest_date.isoformat(),
        "profile": record.profile,
        "attempts": record.attempts,
        "last_error": record.last_error,
        "at": record.at.isoformat(),
        "parts_sent": record.parts_sent,
    }


def _from_dict(data: dict[str, object]) -> Delivery:
    channel = str(data["channel"])
    status = str(data["status"])
    if channel not in ("slack", "email") or status not in ("sent", "failed"):
        raise ValueError(f"unknown channel {channel!r} or status {status!r}")
    return Delivery(
        channel=channel,  # type: ignore[arg-type]
        target=str(data["target"]),
        status=status,  # type: ignore[arg-type]
        digest_date=dt.date.fromisoformat(str(data["digest_date"])),
        profile=str(data["profile"]),
        attempts=int(str(data["attempts"])),
        last_error=str(data.get("last_error", "")),
        at=dt.datetime.fromisoformat(str(data["at"])),
        parts_sent=int(str(data.get("parts_sent", 0))),
    )
