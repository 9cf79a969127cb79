"""Modules this machine lacks (`import lightning as L`, `import wandb`), imported as placeholders while an example
runs: the import succeeds, and the first use of the module raises ModuleNotFoundError on the line that uses it.

A note's claims that never touch such a module are judged like any other; the audit reads the error of one that
does as "needs a module this machine does not have" (unverifiable). The finder sits last on `sys.meta_path`, so
it answers only for what no installed package provides.
"""

from __future__ import annotations

import difflib
import functools
import importlib.abc
import importlib.machinery
import pkgutil
import sys
import types
from collections.abc import Callable, Collection, Sequence


class _Absent(types.ModuleType):
    def __getattr__(self, attribute: str) -> object:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)  # what import machinery and introspection ask: not a use
        raise ModuleNotFoundError(f"No module named '{self.__name__}'", name=self.__name__)


class _AbsentFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, filenames: Collection[str]) -> None:
        self.filenames = filenames  # the example's code objects' file names: only their imports get placeholders
        self.created: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.partition(".")[0]
        if not _imported_by(self.filenames):
            return None  # a library's optional import (`try: import pyarrow`): it must see the module missing
        if (path is not None and type(sys.modules.get(top)) is not _Absent) or _misspelt(top):
            # A name an installed package lacks (`from torchvision import SummaryWriter`), or a module name one
            # typo from an installed one (`import torchvison`): the import itself is wrong, so it raises there.
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _Absent(spec.name)
        self.created.append(spec.name)
        module.__path__ = []  # a package, so that `from lightning.pytorch import Trainer` reaches the use
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _imported_by(filenames: Collection[str]) -> bool:
    """Whether the import statement being run is in code compiled as one of `filenames` (the import machinery's
    frames and this module's skipped)."""
    frame: types.FrameType | None = sys._getframe(1)  # which code imports is only on the stack
    while frame is not None and (frame.f_code.co_filename == __file__ or "importlib" in frame.f_code.co_filename):
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename in filenames


def _misspelt(name: str) -> bool:
    return bool(difflib.get_close_matches(name, _known_modules(), n=1, cutoff=0.8))


@functools.cache
def _known_modules() -> frozenset[str]:
    """The top-level modules this machine has: the standard library's and what sys.path holds (read once)."""
    return frozenset(sys.stdlib_module_names) | {module.name for module in pkgutil.iter_modules()}


def install_absent_modules(*filenames: str) -> Callable[[], None]:
    """Put the finder last on `sys.meta_path`, for the imports of the code compiled as `filenames`; the returned
    call takes it and its placeholders away again."""
    finder = _AbsentFinder(frozenset(filenames))
    sys.meta_path.append(finder)

    def restore() -> None:
        sys.meta_path.remove(finder)
        for name in finder.created:  # (not a scan of sys.modules: asking a lazy module its class may import it)
            sys.modules.pop(name, None)

    return restore
