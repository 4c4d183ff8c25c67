"""Backups of a node: ``bureau backup``, ``bureau backup --verify`` and ``bureau restore``."""
