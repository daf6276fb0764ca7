"""mktcrm: seller operations toolkit for multi-marketplace sellers."""

__version__ = "0.1.0"
