"""Facilitation scripts: the declarative format, its validation with file/line/column, and run sheets."""
