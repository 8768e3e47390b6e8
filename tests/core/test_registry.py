"""The registries check a method when it registers and give its constructor a real signature."""

import inspect

import pandas as pd
import pytest

from core import __version__
from core.impute import IMPUTERS, Imputer
from core.impute import register as register_imputer
from core.params import Card, Family, Param
from core.schema import infer_schema
from core.synth import METHODS, Synthesizer, families, register
from core.synth.registry import AUGMENTATION, NEURAL, OVERSAMPLING, STATISTICAL

CARD = Card(does="d", when="w", distorts="x")


def make(name: str = "Toy", base: type = Synthesizer, **attributes) -> type:
    defaults = {"key": "toy_registry", "title": "Toy", "card": CARD, "family": STATISTICAL}
    return type(name, (base,), {**defaults, **attributes})


@pytest.fixture(autouse=True)
def forget():
    yield
    METHODS.pop("toy_registry", None)
    IMPUTERS.pop("toy_registry", None)


@pytest.mark.parametrize(("attributes", "said"), [
    ({"key": ""}, "needs its own 'key'"),
    ({"key": "Has Spaces"}, "needs its own 'key'"),
    ({"key": "gaussian_copula"}, "is taken by GaussianCopulaSynthesizer"),
    ({"title": " "}, "needs a 'title'"),
    ({"card": "does things"}, "needs a 'card'"),
    ({"family": "statistical"}, "needs a 'family'"),
    ({"params": [Param("a", "int", 1, "h", 0, 5)]}, "must be a tuple"),
    ({"params": (Param("a", "int", 1, "h", 0, 5), Param("a", "bool", False, "h"))}, "declares a parameter twice"),
    ({"params": (Param("not a name", "int", 1, "h", 0, 5),)}, "must be Python identifiers"),
    ({"params": (Param("a", "int", 9, "h", 0, 5),)}, "outside its range"),
])
def test_a_method_that_misdeclares_itself_is_refused_when_it_registers(attributes, said):
    with pytest.raises((TypeError, ValueError), match=said):
        register(make(**attributes))
    assert "toy_registry" not in METHODS


def test_a_parameter_that_cannot_be_drawn_is_refused_when_declared():
    with pytest.raises(TypeError, match="use one of"):
        Param("a", "complex", 1, "h")
    with pytest.raises(TypeError, match="not one of its choices"):
        Param("a", "choice", "c", "h", choices=("a", "b"))
    with pytest.raises(TypeError, match="needs a range"):
        Param("a", "float", 0.5, "h")


def test_the_constructor_lists_the_declared_parameters():
    cls = register(make(params=(Param("rate", "float", 0.5, "How fast.", 0.0, 1.0),
                                Param("how", "choice", "a", "Which way.", choices=("a", "b")))))
    signature = inspect.signature(cls)
    assert list(signature.parameters) == ["rate", "how"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())
    assert signature.parameters["rate"].default == 0.5 and signature.parameters["rate"].annotation is float
    assert "rate (float, default 0.5): How fast." in cls.__init__.__doc__
    assert cls(rate=0.2).given == {"rate": 0.2}
    for key, method in METHODS.items():  # every built-in method too
        assert list(inspect.signature(method).parameters) == [p.name for p in method.params], key


def test_fitted_models_record_the_version_and_their_parameters():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.5, 4.0], "g": ["a", "b", "a", "b"]})
    model = METHODS["gaussian_copula"]().fit(df, infer_schema(df))
    assert model.version_ == __version__ and model.params_ == {}
    model = METHODS["monte_carlo"](distributions={"x": "uniform"}).fit(df, infer_schema(df))
    assert model.params_ == {"distributions": {"x": "uniform"}}
    holes = df.assign(x=[1.0, None, 3.5, 4.0])
    imputer = IMPUTERS["noise"]().fit(holes, infer_schema(holes))
    assert imputer.version_ == __version__ and set(imputer.params_) == {p.name for p in IMPUTERS["noise"].params}


def test_families_keep_their_order_and_a_new_family_joins_them():
    toys = Family("Toys", 99)
    register(make(family=toys))
    grouped = families()
    assert list(grouped)[:4] == [OVERSAMPLING, STATISTICAL, AUGMENTATION, NEURAL] and list(grouped)[-1] == toys
    assert grouped[toys] == ["toy_registry"]
    assert METHODS.suggested() == "gaussian_copula"  # the method a page offers first


def test_an_imputer_registers_the_same_way():
    cls = register_imputer(make(base=Imputer, family=None, params=(Param("k", "int", 3, "h", 1, 9),)))
    assert IMPUTERS["toy_registry"] is cls and list(inspect.signature(cls).parameters) == ["k"]
    with pytest.raises(TypeError, match="cannot be registered as an imputer"):
        register_imputer(make())  # a synthesizer is no imputer
