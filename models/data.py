"""The data a run trains on, built from its config: MNIST (or synthetic digits) and the loaders.

This is the one place that knows the data API; the trainer only iterates loaders.
"""

DATASETS = ("mnist", "synthetic")  # the --dataset values of image classification
# the mean and std of MNIST training pixels in [0, 1] (the usual PyTorch constants)
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
SYNTHETIC_SIZES = (6000, 1000)  # train, test


def image_transform(train: bool, augment: bool):
    """uint8 images -> normalised float32 (N, 1, 28, 28); random affine jitter when augmenting."""
    from tensorgrad import data

    steps = [data.ToTensor(), data.Normalize((MNIST_MEAN,), (MNIST_STD,))]
    if train and augment:
        steps.insert(0, data.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)))
    return data.Compose(steps)


def datasets(config):
    """(train, test) datasets with the run's transforms (``config`` is its TrainConfig), cut to
    --limit/--test-limit."""
    from tensorgrad import data

    train_tf, test_tf = image_transform(True, config.augment), image_transform(False, False)
    if config.dataset == "synthetic":
        from .synthetic import SyntheticDigits

        n_train, n_test = SYNTHETIC_SIZES
        train = SyntheticDigits(n_train, seed=1, transform=train_tf)
        test = SyntheticDigits(n_test, seed=2, transform=test_tf)
    else:
        kwargs = {} if config.data_dir is None else {"root": config.data_dir}
        train = data.MNIST(train=True, download=True, transform=train_tf, **kwargs)
        test = data.MNIST(train=False, download=True, transform=test_tf, **kwargs)
    return _subset(train, config.limit), _subset(test, config.test_limit)


def _subset(dataset, limit: int | None):
    from tensorgrad import data

    if limit is None or limit >= len(dataset):
        return dataset
    return data.Subset(dataset, range(limit))


def train_loader(dataset, config):
    """Shuffled from (seed, epoch); batch b of epoch e is the same whenever it is fetched."""
    from tensorgrad import data

    return data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True, seed=config.seed)


def test_loader(dataset, config):
    from tensorgrad import data

    return data.DataLoader(dataset, batch_size=config.eval_batch_size, shuffle=False)


def batches_from(loader, epoch: int, start: int):
    """Epoch ``epoch`` of ``loader`` from batch ``start`` (for an exact mid-epoch resume)."""
    loader.set_epoch(epoch, start_batch=start)
    return iter(loader)
