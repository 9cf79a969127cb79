"""The language server end to end over stdio, driven by pytest-lsp.

pytest-lsp's plugin breaks pytest items that are not functions (the noteproof plugin's), so the project's
default run turns it off (`-p no:pytest-lsp` in addopts) and these tests run on their own:
`python -m pytest -p pytest-lsp tests/lsp`. Without the plugin they are skipped, saying so; the tests here that
need no language client (the inline core) run either way.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "harness", "lsp"])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.has_plugin("pytest-lsp"):
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="the language server suite runs with the pytest-lsp plugin: -p pytest-lsp tests/lsp")
    for item in items:
        if here in item.path.parents and {"client", "saving_client"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


async def _start(client: LanguageClient, root: Path, **options: object) -> None:
    # VS Code refreshes its lenses when asked (the server asks when a run starts and ends); pytest-lsp's client
    # does not answer that request by itself.
    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params: None) -> None:
        return None

    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=root.as_uri(),
            initialization_options={"devices": ["cpu", "cuda"], "timeout": 5, **options},
        )
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    """One server for the module: runs only when asked (no runOnSave)."""
    await _start(lsp_client, workspace)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, scope="module")
async def saving_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    """A second server, that runs a document when it is saved, with a short timeout per example."""
    await _start(lsp_client, workspace, runOnSave=True, timeout=3)
    yield
    await lsp_client.shutdown_session()
