"""How fast `noteproof lsp` answers over stdio, on the seed note, with a warm worker.

  save-changed   a save that changes one small loss block (block 2, L1Loss) -> its diagnostics   goal 300 ms
  save-unchanged re-saving the unchanged note -> diagnostics, answered from the cache              goal 50 ms
  open-lenses    opening the note -> code lenses, nothing run                                      goal 100 ms

The server runs in its own process, as an editor starts it (`python -m harness lsp`), driven by pygls's
client; the note's text is read from ../shared/seed at run time (and never copied into the project).

    python benchmarks/lsp_latency.py [--rounds 9] [--note ../shared/seed/000_9f602143f38b0ad7.txt]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

PROJECT = Path(__file__).resolve().parents[1]
SEED = PROJECT.parent / "shared" / "seed" / "000_9f602143f38b0ad7.txt"
GOALS_S = {"save-changed": 0.300, "save-unchanged": 0.050, "open-lenses": 0.100}
# The small L1Loss block's target tensor: each round gives it another value, so each save changes the block.
_TARGETS = re.compile(r"targets = torch\.tensor\(\[1, 2, 5\], dtype=torch\.float32\)")


class Bench:
    def __init__(self) -> None:
        self.client = LanguageClient("noteproof-bench", "1")
        self.published: dict[str, asyncio.Event] = {}
        self.version = 0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, asyncio.Event()).set()

        @self.client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
        def refresh(params: None) -> None:
            return None

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "harness", "lsp")
        self.stderr = bytearray()
        self.drain = asyncio.create_task(self._drain())  # an unread stderr pipe fills up and stops the server
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=PROJECT.as_uri(),
                initialization_options={"runOnSave": True},
            )
        )
        self.client.initialized(types.InitializedParams())

    async def _drain(self) -> None:
        server = self.client._server
        assert server is not None and server.stderr is not None
        while chunk := await server.stderr.read(65536):
            self.stderr += chunk

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    def expect_diagnostics(self, uri: str) -> asyncio.Event:
        event = self.published[uri] = asyncio.Event()
        return event

    async def open(self, uri: str, text: str) -> None:
        """Open the document; what the server publishes for it (the last results, nothing run) arrives first."""
        event = self.expect_diagnostics(uri)
        self.version += 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", self.version, text))
        )
        await asyncio.wait_for(event.wait(), timeout=30)

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))

    async def change(self, uri: str, text: str) -> None:
        """Edit the text; its (moved, not re-run) diagnostics arrive before the save is timed."""
        event = self.expect_diagnostics(uri)
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await asyncio.wait_for(event.wait(), timeout=30)

    async def save(self, uri: str) -> float:
        """Seconds from didSave to the document's next diagnostics."""
        event = self.expect_diagnostics(uri)
        started = time.perf_counter()
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        await asyncio.wait_for(event.wait(), timeout=120)
        return time.perf_counter() - started

    async def lenses(self, uri: str) -> tuple[float, list[str]]:
        started = time.perf_counter()
        found = await self.client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
        titles = [lens.command.title for lens in found or [] if lens.command]
        return time.perf_counter() - started, titles


async def measure(note: Path, rounds: int) -> dict[str, list[float]]:
    text = note.read_text(encoding="utf-8")
    if not _TARGETS.search(text):
        raise SystemExit(f"{note}: the L1Loss block this benchmark edits is not there")
    uri = note.resolve().as_uri()
    bench = Bench()
    await bench.start()
    figures: dict[str, list[float]] = {name: [] for name in GOALS_S}
    try:
        await bench.open(uri, text)
        warm = await bench.save(uri)  # the first run: the worker's import, then every block of the note
        print(f"first save (worker start, every block run): {warm:.2f} s", file=sys.stderr)
        for k in range(1, rounds + 1):
            changed = _TARGETS.sub(f"targets = torch.tensor([1, 2, {5 + k}], dtype=torch.float32)", text, count=1)
            await bench.change(uri, changed)
            figures["save-changed"].append(await bench.save(uri))
            figures["save-unchanged"].append(await bench.save(uri))
            bench.close(uri)
            started = time.perf_counter()
            await bench.open(uri, changed)
            _, titles = await bench.lenses(uri)
            figures["open-lenses"].append(time.perf_counter() - started)
            if any(title == "running…" for title in titles):
                raise SystemExit("a lens says running… after an open: something ran")
    except TimeoutError:
        print(bench.stderr.decode(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        await bench.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--note", type=Path, default=SEED)
    args = parser.parse_args()
    if not args.note.is_file():
        print(f"no note at {args.note}: the seed note lives in ../shared/seed", file=sys.stderr)
        return 2
    figures = asyncio.run(measure(args.note, args.rounds))
    print(f"{'measure':<16}{'median':>10}{'max':>10}{'goal':>10}  verdict")
    worst = 0
    for name, samples in figures.items():
        median = statistics.median(samples)
        verdict = "met" if median <= GOALS_S[name] else "MISSED"
        worst = max(worst, verdict == "MISSED")
        print(
            f"{name:<16}{median * 1e3:>8.1f}ms{max(samples) * 1e3:>8.1f}ms{GOALS_S[name] * 1e3:>8.0f}ms  {verdict}"
            f"  ({len(samples)} rounds)"
        )
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
