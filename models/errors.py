"""The mistakes a user can make, by kind: each reaches the terminal as one line (``one_line``)
with its exit status (see ``cli.main``). Every module raises these; none imports the CLI."""

PROG = "tensorgrad"  # the command's name, in messages that say what to run next


class UsageError(Exception):
    """A bad command line; printed as one line, exit status 2."""


class CommandError(Exception):
    """A file, folder or data set that cannot be used; printed as one line, exit status 1."""


class ConfigError(ValueError):
    """A setting a user gave that cannot work; the message names the option and the value
    (a usage error, exit status 2)."""


class CheckpointError(ValueError):
    """A checkpoint or weights file that cannot be used; the message names the file (exit
    status 1)."""


def one_line(error: Exception) -> str:
    """A message that other layers wrote on several lines, joined with '; '."""
    return "; ".join(part.strip() for part in str(error).splitlines() if part.strip())
