"""The `jobalerts` command: thin wrappers over the flows and the warehouse."""

from cli import (  # noqa: F401  (importing a command module registers its commands)
    ops_commands,
    run_commands,
    source_commands,
    subscription_commands,
    warehouse_commands,
    web_commands,
)
from cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for `python -m cli.main`."""
    app()


if __name__ == "__main__":
    main()
