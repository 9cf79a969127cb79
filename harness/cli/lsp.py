"""`noteproof lsp`: the language server over stdio, for VS Code (editors/vscode), Neovim, Helix or any LSP client.

pygls loads only here, inside `handle`, so the other commands never pay for it.
"""

from __future__ import annotations

import argparse

from rich.console import Console

COMMAND = "lsp"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lsp = commands.add_parser(
        COMMAND, help="the language server over stdio: results inline in notes and specs, runs only when asked"
    )
    lsp.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")


def handle(args: argparse.Namespace, console: Console, errors: Console) -> int:
    try:
        from harness.editor.server import main
    except ImportError as exc:  # pygls is a dependency; a broken install says so on stderr, never on the protocol
        errors.print(f"noteproof lsp needs pygls 2 ({exc}); pip install 'pygls>=2,<3'")
        return 3
    main()
    return 0
