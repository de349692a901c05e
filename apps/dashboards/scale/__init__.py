"""Synthetic data at scale for benchmarks (``python manage.py seed_scale``).

Everything is written with PostgreSQL ``COPY`` from plain strings built here, in one pass over
the cases in id order (``run.seed``): each table has its own connection and its own ``COPY``
stream, so PostgreSQL digests the rows while Python builds the next ones. The audit events are
buffered in a heap and released in time order, so the hash chain follows ``occurred_at``.
"""
