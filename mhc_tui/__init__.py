"""The Textual console. Everything that touches the network or the database runs in a worker."""
