"""The store: the engine, one MetaData for every package's tables, bulk writes, Arrow reads,
retried transactions, the transactional outbox and the migrations. Knows no business rule."""
