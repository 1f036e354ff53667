"""Live capture: the journaled listener, automatic sessions, the stats poller, and change notifications."""
