"""Sync: the engine that moves marketplace pages into the cache."""
