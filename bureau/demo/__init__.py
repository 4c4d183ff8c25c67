"""Demonstration content built from cited sources, and the loader behind ``bureau demo``."""
