"""memplan: capacity planning for VMware vSphere memory."""

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here; reading it
back through importlib.metadata would cost 40 ms of start-up on every command)."""
