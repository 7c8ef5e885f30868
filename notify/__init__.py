"""Notification transports (SMTP e-mail, Aliyun-signed SMS) and the delivery pass the worker runs.

The I/O lives here, outside core: core.messages.outbox decides what is due and records outcomes.
"""

from notify.delivery import deliver_pending, transports_from_env

__all__ = ["deliver_pending", "transports_from_env"]
