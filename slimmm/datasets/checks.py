"""The error type of bad data, and what names a sample in it."""
from typing import Optional


class DataInputError(ValueError):
    """Bad input data (missing root, malformed annotation, missing or
    corrupt image); the message names the path and the fix."""


def sample_path(dataset, index: int) -> Optional[str]:
    """The image file of sample ``index`` (through dataset wrappers), or
    None when the dataset does not say."""
    try:
        info = dataset.get_data_info(index)
    except Exception:  # a dataset without get_data_info / a bad index
        return None
    if not isinstance(info, dict):
        return None
    return info.get('img_path') or info.get('filename')
