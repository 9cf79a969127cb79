"""Editor front ends: the pytest plugin (VS Code's Testing panel), the language server and its core.

`inline` is the core the language server and the plugin share; it knows nothing of pytest or LSP. Only
`server` imports pygls, and only `pytest_plugin` imports pytest.
"""
