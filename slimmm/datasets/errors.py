"""The error type of bad data, what names a sample in it, and the error
as one line."""
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


def one_line(error: BaseException) -> str:
    """The message of a data error as one line, also when a DataLoader
    worker raised it (torch then prepends the worker's traceback)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and 'Traceback' in str(error):
        last = lines[-1]
        return last.split(': ', 1)[1] if ': ' in last else last
    return ' '.join(line.strip() for line in lines)
