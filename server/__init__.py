"""Wholeroom: a real-time facilitation server for whole-system events."""

__version__ = "0.1.0"
