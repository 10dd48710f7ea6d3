"""One module per `devo` command (see devo.cli.COMMANDS)."""
