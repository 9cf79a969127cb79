"""Offline stand-ins for torchvision datasets, installed inside the sandboxed child.

Study-note examples construct e.g. ``torchvision.datasets.CIFAR10(..., download=True)``.
The sandbox has no network, so a download would fail or hang. We patch the
dataset classes so that the real data is used when it is already on disk under
a data root, and otherwise a small generated stand-in of the same form is used.
Every construction is recorded as a :class:`DatasetUse` so the run can tell the
user which one its output came from.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torchvision.datasets  # type: ignore[import-untyped,unused-ignore]

STANDIN_DATASETS: tuple[str, ...] = ("CIFAR10", "CIFAR100", "MNIST", "FashionMNIST")

_CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
# The real CIFAR-100 fine label names, in label order (alphabetical).
_CIFAR100_CLASSES = (
    "apple",
    "aquarium_fish",
    "baby",
    "bear",
    "beaver",
    "bed",
    "bee",
    "beetle",
    "bicycle",
    "bottle",
    "bowl",
    "boy",
    "bridge",
    "bus",
    "butterfly",
    "camel",
    "can",
    "castle",
    "caterpillar",
    "cattle",
    "chair",
    "chimpanzee",
    "clock",
    "cloud",
    "cockroach",
    "couch",
    "crab",
    "crocodile",
    "cup",
    "dinosaur",
    "dolphin",
    "elephant",
    "flatfish",
    "forest",
    "fox",
    "girl",
    "hamster",
    "house",
    "kangaroo",
    "keyboard",
    "lamp",
    "lawn_mower",
    "leopard",
    "lion",
    "lizard",
    "lobster",
    "man",
    "maple_tree",
    "motorcycle",
    "mountain",
    "mouse",
    "mushroom",
    "oak_tree",
    "orange",
    "orchid",
    "otter",
    "palm_tree",
    "pear",
    "pickup_truck",
    "pine_tree",
    "plain",
    "plate",
    "poppy",
    "porcupine",
    "possum",
    "rabbit",
    "raccoon",
    "ray",
    "road",
    "rocket",
    "rose",
    "sea",
    "seal",
    "shark",
    "shrew",
    "skunk",
    "skyscraper",
    "snail",
    "snake",
    "spider",
    "squirrel",
    "streetcar",
    "sunflower",
    "sweet_pepper",
    "table",
    "tank",
    "telephone",
    "television",
    "tiger",
    "tractor",
    "train",
    "trout",
    "tulip",
    "turtle",
    "wardrobe",
    "whale",
    "willow_tree",
    "wolf",
    "woman",
    "worm",
)
assert len(_CIFAR100_CLASSES) == 100

# Marker attribute on patched classes; lets a second install find the true original.
_ORIGINAL_ATTR = "_noteproof_original"


@dataclass(frozen=True)
class DatasetUse:
    name: str
    source: Literal["real", "stand-in"]
    root: str
    train: bool
    samples: int
    description: str


def _split(train: bool) -> str:
    return "train split" if train else "test split"


def _seed(name: str, train: bool) -> int:
    # crc32 rather than hash(): str hashes are salted per process, we need
    # the same pixels in every run.
    return zlib.crc32(f"{name}:{'train' if train else 'test'}".encode())


def _make_pixels(name: str, train: bool, targets: np.ndarray, shape: tuple[int, ...], num_classes: int) -> np.ndarray:
    # A private Generator: the example's own (seeded) torch/numpy streams must
    # not depend on whether a stand-in was built.
    rng = np.random.default_rng(_seed(name, train))
    # One template per class blended with per-sample noise, so the classes are
    # actually separable and a training loop in an example can make progress.
    templates = rng.integers(0, 256, size=(num_classes, *shape), dtype=np.uint8)
    noise = rng.integers(0, 256, size=(len(targets), *shape), dtype=np.uint8)
    # (3*t + n) / 4 in uint16 is exact and avoids a float round trip (cheap).
    mixed: np.ndarray = (templates[targets].astype(np.uint16) * 3 + noise) >> 2
    return mixed.astype(np.uint8)


def _fill_standin(ds: Any, name: str, train: bool, n: int) -> str:
    """Set the attributes the original class's __getitem__/__len__ rely on."""
    ds.train = train
    if name in ("CIFAR10", "CIFAR100"):
        classes = _CIFAR10_CLASSES if name == "CIFAR10" else _CIFAR100_CLASSES
        targets = np.arange(n) % len(classes)
        ds.data = _make_pixels(name, train, targets, (32, 32, 3), len(classes))
        ds.targets = [int(t) for t in targets]
        ds.classes = list(classes)
        ds.class_to_idx = {c: i for i, c in enumerate(classes)}
        return f"32x32 RGB, {len(classes)} classes"
    # MNIST / FashionMNIST: `classes` is a class attribute and `class_to_idx`
    # a property there, so only data/targets are needed (as torch tensors).
    num_classes = len(ds.classes)
    targets = np.arange(n) % num_classes
    pixels = _make_pixels(name, train, targets, (28, 28), num_classes)
    ds.data = torch.from_numpy(pixels)
    ds.targets = torch.from_numpy(targets.astype(np.int64))
    return f"28x28 grayscale, {num_classes} classes"


def _make_patched(orig: Any, data_root: Path, max_samples: int, uses: list[DatasetUse]) -> type:
    name = orig.__name__

    def __init__(
        self: Any,
        root: Any,
        train: bool = True,
        transform: Any = None,
        target_transform: Any = None,
        download: bool = False,
        **kw: Any,
    ) -> None:
        # Candidate roots: the harness data root first, then the example's own
        # root if it exists (a user may have the data next to their notes).
        candidates = [Path(data_root)]
        own = Path(str(root)).expanduser()
        if own.is_dir() and own.resolve() != Path(data_root).resolve():
            candidates.append(own)
        for cand in candidates:
            try:
                # download=False always: the sandbox must never touch the
                # network, whatever the example asked for.
                orig.__init__(
                    self,
                    str(cand),
                    train=train,
                    transform=transform,
                    target_transform=target_transform,
                    download=False,
                    **kw,
                )
            except (RuntimeError, OSError):
                continue  # "Dataset not found or corrupted" -> try next / stand-in
            total = len(self.data)
            self.data = self.data[:max_samples]
            self.targets = self.targets[:max_samples]
            kept = len(self.data)
            extent = f"all {total}" if kept == total else f"first {kept} of {total}"
            uses.append(
                DatasetUse(
                    name, "real", str(data_root), train, kept, f"{name} ({_split(train)}) from {cand}, {extent} images"
                )
            )
            return

        # Stand-in: skip the original __init__ (it would look for / download
        # files) but keep the example's root and transforms on the instance.
        torchvision.datasets.VisionDataset.__init__(self, root, transform=transform, target_transform=target_transform)
        form = _fill_standin(self, name, train, max_samples)
        note = "; download=True was skipped (no network)" if download else ""
        uses.append(
            DatasetUse(
                name,
                "stand-in",
                str(data_root),
                train,
                max_samples,
                f"{name} ({_split(train)}) not found under {data_root}; used a generated "
                f"stand-in of {max_samples} images ({form}){note}",
            )
        )

    # Same name/module/qualname as the original: MNIST derives its folder from
    # type(self).__name__, and pickling (DataLoader workers) resolves the class
    # by module + qualname.
    ns = {
        "__init__": __init__,
        "__module__": orig.__module__,
        "__qualname__": orig.__qualname__,
        "__doc__": orig.__doc__,
        _ORIGINAL_ATTR: orig,
    }
    return type(name, (orig,), ns)


def install_dataset_standins(data_root: Path, max_samples: int, uses: list[DatasetUse]) -> Callable[[], None]:
    """Patch the STANDIN_DATASETS classes; return a function restoring the originals."""
    if max_samples < 1:
        raise ValueError("max_samples must be at least 1")
    saved: list[tuple[Any, str, Any]] = []  # (module, attribute, previous value)
    for name in STANDIN_DATASETS:
        current = getattr(torchvision.datasets, name)
        # Unwrap an earlier install so we never stack patches on patches.
        orig = getattr(current, _ORIGINAL_ATTR, current)
        patched = _make_patched(orig, data_root, max_samples, uses)
        # Patch both the package attribute and the defining submodule, so
        # `from torchvision.datasets(.cifar) import CIFAR10` after install
        # gets the patch too.
        submodule = __import__(orig.__module__, fromlist=[name])
        for module in (torchvision.datasets, submodule):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, patched)

    def restore() -> None:
        # Reverse order so the first saved value (the true original) wins.
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)

    return restore
