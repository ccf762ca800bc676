"""Work in Progress: author, render and deliver the monthly bulletin of the
City of Torino's International Relations office."""

__version__ = "0.1.0"
