"""Per-width evaluation: metrics, kNN, label subsets and result reports."""
from .reports import markdown_table, write_csv, write_width_report

__all__ = ['markdown_table', 'write_csv', 'write_width_report']
