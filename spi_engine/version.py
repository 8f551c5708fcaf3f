"""The engine's version, in a module of its own so that the engine's modules can read it
without importing the package ``__init__`` (which imports them: a circle)."""

__version__ = "0.1.0"
