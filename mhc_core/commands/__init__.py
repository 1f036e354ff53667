"""`mhc` commands by area, each module adding its subcommands to the parser with `add_commands(sub, add)`.

They use the output, failure and database helpers of `mhc_core.cli` (imported at call time there).
"""
