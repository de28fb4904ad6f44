"""Confusion matrix, per-class accuracy and the text reports of models.metrics."""

import numpy as np

from tensorgrad.models.metrics import (
    class_table,
    confused_pairs_text,
    confusion_matrix,
    most_confused,
    per_class_accuracy,
)


def test_confusion_matrix_counts_true_rows_predicted_columns():
    cm = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.dtype == np.int64


def test_per_class_accuracy_is_recall_and_nan_for_absent_class():
    cm = np.array([[3, 1, 0], [0, 0, 0], [1, 0, 1]])
    acc = per_class_accuracy(cm)
    assert acc[0] == 0.75 and acc[2] == 0.5
    assert np.isnan(acc[1])


def test_most_confused_orders_off_diagonal_cells():
    cm = np.diag([50, 50, 50])
    cm[2, 0], cm[0, 1], cm[1, 2] = 7, 3, 5
    assert most_confused(cm, 2) == [(2, 0, 7), (1, 2, 5)]
    assert most_confused(np.diag([4, 4]), 5) == []


def test_class_table_rows_and_overall_line():
    cm = np.array([[9, 1], [2, 8]])
    lines = class_table(cm).splitlines()
    assert len(lines) == 4  # header, two classes, total
    assert "90.00%" in lines[1] and "1 (1x)" in lines[1]
    assert "80.00%" in lines[2] and "0 (2x)" in lines[2]
    assert lines[3].split()[:4] == ["all", "20", "17", "85.00%"]


def test_confused_pairs_text_mentions_share_and_perfect_case():
    cm = np.array([[90, 10], [0, 100]])
    text = confused_pairs_text(cm)
    assert "0 -> 1" in text and "10 times" in text and "10.00% of the 0s" in text
    assert "every sample" in confused_pairs_text(np.diag([3, 3]))
