"""Messages: the transactional outbox (SMS, e-mail, stock pushes) written with the change that causes
them and delivered by the worker, with its retry rules."""
