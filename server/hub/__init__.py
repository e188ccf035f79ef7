"""The live hub: rooms (one per event), connections with bounded send queues, and the broker."""
