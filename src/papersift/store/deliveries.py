"""The delivery log in the store: the latest state of each (channel, target, date, profile).

This is the :class:`papersift.deliver.DeliveryLog` protocol: ``save_delivery`` keeps a record,
superseding the earlier one of the same key, and ``load_failed_deliveries`` lists those whose
latest attempt failed, for ``papersift deliver --retry``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from papersift.deliver.base import Delivery
    from papersift.store.store import Store


def save_delivery(store: Store, record: Delivery) -> None:
    """Keep ``record`` in the deliveries table, linked to its digest when the store has it."""
    with store.transaction("record the delivery"):
        store.connection.execute(
            "INSERT INTO deliveries (date, profile, channel, target, status, attempts, "
            "last_error, updated_at, parts_sent, digest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT digest_id FROM digests WHERE date = ? AND profile = ?)) "
            "ON CONFLICT (date, profile, channel, target) DO UPDATE SET status = excluded.status,"
            " attempts = excluded.attempts, last_error = excluded.last_error, "
            "updated_at = excluded.updated_at, parts_sent = excluded.parts_sent, "
            "digest_id = excluded.digest_id",
            (
                record.digest_date.isoformat(),
                record.profile,
                record.channel,
                record.target,
                record.status,
                record.attempts,
                record.last_error,
                record.at.isoformat(),
                record.parts_sent,
                record.digest_date.isoformat(),
                record.profile,
            ),
        )


def load_failed_deliveries(store: Store) -> list[Any]:
    """The latest record of every delivery whose latest attempt failed, oldest first."""
    from papersift.deliver.base import Delivery

    with store.reading("read the deliveries"):
        rows = store.connection.execute(
            "SELECT channel, target, status, date, profile, attempts, last_error, updated_at, "
            "parts_sent FROM deliveries WHERE status = 'failed' ORDER BY updated_at, delivery_id"
        ).fetchall()
    return [
        Delivery(
            channel=channel,
            target=target,
            status=status,
            digest_date=dt.date.fromisoformat(date),
            profile=profile,
            attempts=attempts,
            last_error=last_error,
            at=dt.datetime.fromisoformat(at),
            parts_sent=parts_sent,
        )
        for channel, target, status, date, profile, attempts, last_error, at, parts_sent in rows
    ]
