"""HTTP and websocket glue over the domain, the rooms and the store."""
