"""The PyTorch example (reports/python/examples/torch_flow_matching.py)
trains a tiny flow-matching model and passes assert_field_close, while an
untrained network fails it.  Skipped when torch is not installed."""

import importlib.util
import os

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed")


def test_tiny_torch_model_passes_assert_field_close():
    path = os.path.join(os.environ["FM_SOURCE_ROOT"], "reports", "python", "examples",
                        "torch_flow_matching.py")
    spec = importlib.util.spec_from_file_location("torch_flow_matching", path)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    torch.set_num_threads(1)
    result = ex.main()
    assert result.passed and result.rel_l2 < 0.3
