from __future__ import annotations

import pickle
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torchvision
import torchvision.datasets.cifar as tv_cifar
import torchvision.datasets.mnist as tv_mnist
from torch.utils.data import DataLoader
from torchvision import transforms

from harness.sandbox.datasets import STANDIN_DATASETS, DatasetUse, install_dataset_standins

ORIG_CIFAR10 = torchvision.datasets.CIFAR10
ORIG_CIFAR100 = torchvision.datasets.CIFAR100
ORIG_MNIST = torchvision.datasets.MNIST
ORIG_FASHION = torchvision.datasets.FashionMNIST

CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Callable[..., list[DatasetUse]]]:
    """Install with tmp_path as data root; always restore afterwards."""
    restores: list[Callable[[], None]] = []

    def _install(max_samples: int = 16, data_root: Path | None = None) -> list[DatasetUse]:
        uses: list[DatasetUse] = []
        restores.append(install_dataset_standins(data_root or tmp_path, max_samples, uses))
        return uses

    yield _install
    for restore in reversed(restores):
        restore()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: Any, **_k: Any) -> None:
        raise AssertionError("attempted a download")

    monkeypatch.setattr(tv_cifar, "download_and_extract_archive", boom)
    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", boom)
    monkeypatch.setattr(ORIG_CIFAR10, "download", boom)
    monkeypatch.setattr(ORIG_MNIST, "download", boom)


def write_fake_cifar10(root: Path, n: int) -> tuple[np.ndarray, list[int]]:
    """A tiny CIFAR10 test split in torchvision's on-disk layout (md5s won't match)."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    flat = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = [(i * 3) % 10 for i in range(n)]
    # Str keys: the real files are Python 2 pickles, which load (latin1) as str.
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({"data": flat, "labels": labels}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CIFAR10_NAMES}, f)
    return flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


@pytest.fixture
def skip_md5(monkeypatch: pytest.MonkeyPatch) -> None:
    # Our fake files have the wrong md5s: bypass both the split check and the
    # meta-file check (_load_meta calls the module-level check_integrity).
    monkeypatch.setattr(ORIG_CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *a, **k: True)


def test_cifar10_standin_shape_len_classes(install: Any, tmp_path: Path) -> None:
    uses = install(max_samples=16)
    ds = torchvision.datasets.CIFAR10("./data.CIFAR10", train=False, transform=transforms.ToTensor())
    img, target = ds[0]
    assert img.shape == (3, 32, 32) and img.dtype == torch.float32
    assert len(ds) == 16
    assert isinstance(ds, ORIG_CIFAR10)
    assert isinstance(target, int)
    assert ds.classes == CIFAR10_NAMES
    assert ds.class_to_idx["truck"] == 9
    assert set(ds.targets) == set(range(10))
    assert ds.data.dtype == np.uint8 and ds.data.shape == (16, 32, 32, 3)
    assert ds.train is False
    assert [u.source for u in uses] == ["stand-in"]
    use = uses[0]
    assert (use.name, use.train, use.samples, use.root) == ("CIFAR10", False, 16, str(tmp_path))
    assert "CIFAR10 (test split) not found" in use.description
    assert "stand-in of 16 images (32x32 RGB, 10 classes)" in use.description


def test_standin_deterministic_and_rng_untouched(install: Any) -> None:
    install(max_samples=12)
    torch.manual_seed(123)
    np.random.seed(7)
    random.seed(5)
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    py_state = random.getstate()
    a = torchvision.datasets.CIFAR10("x", train=True)
    b = torchvision.datasets.CIFAR10("y", train=True)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state
    assert np.array_equal(a.data, b.data) and a.targets == b.targets
    # Train and test splits differ.
    c = torchvision.datasets.CIFAR10("y", train=False)
    assert not np.array_equal(a.data, c.data)


def test_dataloader_batches(install: Any) -> None:
    install(max_samples=8)
    ds = torchvision.datasets.CIFAR10("./d", train=False, transform=transforms.ToTensor(), download=True)
    shapes = [(tuple(x.shape), tuple(y.shape)) for x, y in DataLoader(ds, batch_size=2)]
    assert shapes == [((2, 3, 32, 32), (2,))] * 4


@pytest.mark.parametrize("cls_name", ["MNIST", "FashionMNIST"])
def test_mnist_family_standin(install: Any, cls_name: str) -> None:
    uses = install(max_samples=20)
    cls = getattr(torchvision.datasets, cls_name)
    ds = cls("./mnist", train=True, transform=transforms.ToTensor())
    img, target = ds[3]
    assert img.shape == (1, 28, 28) and img.dtype == torch.float32
    assert target == 3
    assert ds.data.dtype == torch.uint8 and ds.data.shape == (20, 28, 28)
    assert ds.targets.dtype == torch.int64
    assert set(ds.targets.tolist()) == set(range(10))
    assert isinstance(ds, getattr(tv_mnist, cls_name).__mro__[1])
    expected = "0 - zero" if cls_name == "MNIST" else "T-shirt/top"
    assert ds.classes[0] == expected and ds.class_to_idx[expected] == 0
    assert uses[0].name == cls_name and uses[0].source == "stand-in"
    assert "28x28 grayscale, 10 classes" in uses[0].description


def test_cifar100_standin(install: Any) -> None:
    install(max_samples=120)
    ds = torchvision.datasets.CIFAR100("./c100", train=False)
    assert isinstance(ds, ORIG_CIFAR100)
    assert len(ds.classes) == 100
    assert ds.classes[:3] == ["apple", "aquarium_fish", "baby"] and ds.classes[-1] == "worm"
    assert set(ds.targets) == set(range(100))


def test_download_true_never_downloads(install: Any, no_network: None) -> None:
    uses = install(max_samples=4)
    torchvision.datasets.CIFAR10("./data.CIFAR10", train=False, download=True)
    torchvision.datasets.MNIST("./data.MNIST", train=False, download=True)
    assert [(u.name, u.source) for u in uses] == [("CIFAR10", "stand-in"), ("MNIST", "stand-in")]
    assert "download=True was skipped" in uses[0].description


def test_restore_puts_originals_back(tmp_path: Path) -> None:
    restore = install_dataset_standins(tmp_path, 4, [])
    assert torchvision.datasets.CIFAR10 is not ORIG_CIFAR10
    assert tv_cifar.CIFAR10 is torchvision.datasets.CIFAR10
    restore()
    assert torchvision.datasets.CIFAR10 is ORIG_CIFAR10
    assert tv_cifar.CIFAR10 is ORIG_CIFAR10
    assert tv_cifar.CIFAR100 is ORIG_CIFAR100
    assert tv_mnist.MNIST is ORIG_MNIST and tv_mnist.FashionMNIST is ORIG_FASHION


def test_double_install_does_not_stack(tmp_path: Path) -> None:
    r1 = install_dataset_standins(tmp_path, 4, [])
    r2 = install_dataset_standins(tmp_path, 4, [])
    assert torchvision.datasets.CIFAR10.__mro__[1] is ORIG_CIFAR10
    r2()
    r1()
    assert torchvision.datasets.CIFAR10 is ORIG_CIFAR10


def test_import_after_install_gets_patch(install: Any) -> None:
    uses = install(max_samples=3)
    from torchvision.datasets import CIFAR10
    from torchvision.datasets.cifar import CIFAR10 as CIFAR10_SUB

    assert CIFAR10 is not ORIG_CIFAR10 and CIFAR10 is CIFAR10_SUB
    assert CIFAR10.__name__ == "CIFAR10" and issubclass(CIFAR10, ORIG_CIFAR10)
    CIFAR10("./d", train=False)
    assert len(uses) == 1


def test_real_dataset_on_data_root(install: Any, tmp_path: Path, skip_md5: None) -> None:
    images, labels = write_fake_cifar10(tmp_path, 12)
    uses = install(max_samples=5)
    ds = torchvision.datasets.CIFAR10("./data.CIFAR10", train=False, transform=transforms.ToTensor(), download=True)
    assert uses[0].source == "real" and uses[0].samples == 5
    assert uses[0].description == f"CIFAR10 (test split) from {tmp_path}, first 5 of 12 images"
    assert len(ds) == 5
    assert np.array_equal(ds.data, images[:5]) and ds.targets == labels[:5]
    assert ds[0][0].shape == (3, 32, 32)
    assert ds.classes == CIFAR10_NAMES


def test_real_dataset_in_examples_own_root(install: Any, tmp_path: Path, skip_md5: None) -> None:
    own = tmp_path / "own"
    write_fake_cifar10(own, 3)
    empty = tmp_path / "empty"
    uses = install(max_samples=8, data_root=empty)
    ds = torchvision.datasets.CIFAR10(str(own), train=False)
    assert len(ds) == 3
    assert uses[0].source == "real" and uses[0].root == str(empty)
    assert uses[0].description.endswith(f"from {own}, all 3 images")


def test_one_use_per_construction(install: Any) -> None:
    uses = install(max_samples=2)
    torchvision.datasets.CIFAR10("a", train=True)
    torchvision.datasets.CIFAR10("a", train=False)
    torchvision.datasets.FashionMNIST("b")
    assert [(u.name, u.train) for u in uses] == [("CIFAR10", True), ("CIFAR10", False), ("FashionMNIST", True)]
    assert "(train split)" in uses[0].description


def test_standin_is_cheap(install: Any) -> None:
    install(max_samples=64)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        torchvision.datasets.CIFAR10("./d", train=True)
        best = min(best, time.perf_counter() - start)
    assert best < 0.010


def test_supported_names() -> None:
    assert STANDIN_DATASETS == ("CIFAR10", "CIFAR100", "MNIST", "FashionMNIST")
