"""The data a run trains on: MNIST from ``tensorgrad.data`` and its loaders, built from a config.

This is the one place that knows the data API; the trainer only iterates loaders.
"""

from .config import TrainConfig

# the mean and std of MNIST training pixels in [0, 1] (the usual PyTorch constants)
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def mnist_datasets(config: TrainConfig):
    """(train, test) MNIST datasets with the run's transforms, cut to --limit/--test-limit."""
    from tensorgrad import data

    normalize = data.Normalize((MNIST_MEAN,), (MNIST_STD,))
    test_tf = data.Compose([data.ToTensor(), normalize])
    train_tf = test_tf
    if config.augment:
        affine = data.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
        train_tf = data.Compose([affine, data.ToTensor(), normalize])
    root = config.data_dir
    kwargs = {} if root is None else {"root": root}
    train = data.MNIST(train=True, download=True, transform=train_tf, **kwargs)
    test = data.MNIST(train=False, download=True, transform=test_tf, **kwargs)
    return _subset(train, config.limit), _subset(test, config.test_limit)


def _subset(dataset, limit: int | None):
    from tensorgrad import data

    if limit is None or limit >= len(dataset):
        return dataset
    return data.Subset(dataset, range(limit))


def train_loader(dataset, config: TrainConfig):
    """Shuffled each epoch from (seed, epoch); ``set_epoch`` picks the order."""
    from tensorgrad import data

    return data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True, seed=config.seed)


def test_loader(dataset, config: TrainConfig):
    from tensorgrad import data

    return data.DataLoader(dataset, batch_size=config.eval_batch_size, shuffle=False)


def batches_from(loader, epoch: int, start: int):
    """Epoch ``epoch`` of ``loader`` from batch ``start`` (for an exact mid-epoch resume)."""
    loader.set_epoch(epoch, start_batch=start)
    return iter(loader)
