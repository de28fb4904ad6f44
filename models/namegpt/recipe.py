"""How NameGPT trains on the names corpus: the settings ``python -m models train --model namegpt``
uses (found with benchmarks/train_namegpt.py; docs/results.md has the figures)."""

RECIPE = {
    # the model
    "block_size": 16,  # the longest name (13 letters) plus its start, with room to spare
    "dim": 64,
    "depth": 2,
    "heads": 4,
    "dropout": 0.0,
    # the training
    "epochs": 4,
    "batch_size": 128,
    "optimizer": "adamw",
    "lr": 3e-3,
    "weight_decay": 0.01,
    "schedule": "onecycle",
    "seed": 0,
}
