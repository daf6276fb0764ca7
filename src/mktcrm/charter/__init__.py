"""The charter engine and the brand pack: pure text checks any layer may use (no config, db or connectors).

Marketplace packs live with their connector (`connectors/<name>/charter.py`); `mktcrm.core.charter`
stacks brand, marketplace and target packs for a text.
"""
