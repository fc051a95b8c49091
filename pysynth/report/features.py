"""An export's schema as the `dataset_info.features` of a Hugging Face dataset card, and its size category.

The YAML shape is the one `datasets` writes and reads back (`Features._to_yaml_list`): a scalar column is
`{name, dtype}`, a list `{name, list: <inner>}`, a struct `{name, struct: [fields]}`. A type with no
`datasets` equivalent is written as `string`, which is what the Hub viewer shows it as anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

# polars dtype class name -> `datasets.Value` dtype.
SCALARS = {
    "String": "string", "Boolean": "bool", "Null": "null", "Date": "date32", "Binary": "binary",
    "Int8": "int8", "Int16": "int16", "Int32": "int32", "Int64": "int64",
    "UInt8": "uint8", "UInt16": "uint16", "UInt32": "uint32", "UInt64": "uint64",
    "Float32": "float32", "Float64": "float64",
}

# The Hub's `size_categories` values (huggingface_hub's dataset card metadata), by upper bound.
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
                   (10**10, "1B<n<10B"), (10**11, "10B<n<100B"), (10**12, "100B<n<1T"))


def card_features(schema: pl.Schema) -> list[dict[str, Any]]:
    return [{"name": name, **_feature(dtype)} for name, dtype in schema.items()]


def _feature(dtype: pl.DataType | pl.datatypes.DataTypeClass) -> dict[str, Any]:
    import polars as pl

    if isinstance(dtype, type):  # a nested type may be given as its bare class (pl.String)
        dtype = dtype()
    if isinstance(dtype, pl.List | pl.Array):
        inner = _feature(dtype.inner)
        return {"list": inner.get("dtype", inner)}
    if isinstance(dtype, pl.Struct):
        return {"struct": [{"name": field.name, **_feature(field.dtype)} for field in dtype.fields]}
    if isinstance(dtype, pl.Datetime):
        return {"dtype": f"timestamp[{dtype.time_unit or 'us'}]"}
    return {"dtype": SCALARS.get(type(dtype).__name__, "string")}


def size_category(rows: int) -> str:
    return next((name for bound, name in SIZE_CATEGORIES if rows < bound), "n>1T")
