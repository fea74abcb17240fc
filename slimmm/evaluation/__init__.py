"""Per-width evaluation: metrics, kNN, label subsets and result reports."""
from .knn import extract_features, knn_classify, knn_evaluate
from .metrics import PerWidthAccuracy, metric_prefix, topk_accuracy
from .reports import markdown_table, write_csv, write_width_report

__all__ = [
    'extract_features', 'knn_classify', 'knn_evaluate',
    'PerWidthAccuracy', 'metric_prefix', 'topk_accuracy', 'markdown_table',
    'write_csv', 'write_width_report'
]
