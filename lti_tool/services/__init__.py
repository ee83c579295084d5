"""Outbound LTI Advantage services: reliable grade delivery (AGS 2.0) through a database outbox.

Other features call :func:`enqueue_score` inside their own transaction and commit; workers
(``flask --app wsgi lti deliver``, or a thread in development) send the scores.
"""

from .outbox import (
    delivery_status,
    enqueue_completion,
    enqueue_score,
    failed_deliveries,
    is_gradable,
    retry_delivery,
    waiting_deliveries,
)

__all__ = ["delivery_status", "enqueue_completion", "enqueue_score", "failed_deliveries", "is_gradable",
           "retry_delivery", "waiting_deliveries"]
