"""The `mhc` program: the one place that knows both the core (`mhc_core`) and the console (`mhc_tui`)."""
