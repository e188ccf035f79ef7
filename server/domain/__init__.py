"""Pure domain: state, the fold over transcript entries, and command handling. No I/O here."""
