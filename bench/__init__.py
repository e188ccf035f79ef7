"""Load benchmark for Wholeroom: real phones over real websockets against a real server process.

Run it with ``wholeroom bench`` (see ``wholeroom bench --help`` and docs/performance.md).
"""
