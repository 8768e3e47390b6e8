"""The README's "Add a method" example is real code: imported as a module, it registers, fits and samples."""

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd

from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.checks import check_synthesizer

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_add_a_method_example_works(tmp_path):
    section = README.read_text().split("## Add a method", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    path = tmp_path / "readme_method.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("readme_method", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_method"] = module
    try:
        spec.loader.exec_module(module)
        cls = METHODS["jittered_bootstrap"]
        check_synthesizer(cls)  # the example keeps the contract
        df = read_table(SAMPLES["penguins"].path)
        schema = infer_schema(df)
        out = cls(jitter=0.2).fit(df, schema).sample(300, rng=1)
        assert list(out.columns) == schema.synth_columns and len(out) == 300
        pd.testing.assert_frame_equal(out, cls(jitter=0.2).fit(df, schema).sample(300, rng=1))
        assert out["body_mass_g"].dropna().between(df["body_mass_g"].min(), df["body_mass_g"].max()).all()
    finally:
        METHODS.pop("jittered_bootstrap", None)
        sys.modules.pop("readme_method", None)
