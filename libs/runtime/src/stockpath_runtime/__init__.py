"""Stockpath's messaging runtime: what every service uses to store, publish and consume events.

- `UnitOfWork`: one PostgreSQL transaction for a state change and the events it causes (outbox),
  and for the consumed events' ids (inbox); each service subclasses it with typed repositories.
- `OutboxRelay`: publishes outbox rows in order with aiokafka (acks=all) and marks them sent.
- `MessageProcessor` + `worker`: faust agents (concurrency 1) that decode, deduplicate, handle,
  retry transient failures forever and dead-letter poison after bounded attempts;
  `consumer.subscribe` wires a service's consumer table (event → translator → handler).
- `http`, `operations`, `paging`: the edges every service's API shares.
"""
