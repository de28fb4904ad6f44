"""``tensorgrad sample --checkpoint RUN -n 20``: new names from a trained language model of
the names task, rebuilt from its weights file alone (its metadata holds the vocabulary)."""

from ..argtypes import non_negative_int, positive_int, positive_number
from ..arguments import add_weights
from ..errors import CommandError, ConfigError
from ..registry import model_task
from .sampling import sample
from .vocab import Vocab


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "sample", help="new names from a trained namegpt run",
        description="Draw new names from a trained namegpt, one character at a time, each from "
        "softmax(logits / temperature) over the top-k likeliest characters. The weights file "
        "holds the vocabulary: no corpus is needed.",
    )  # fmt: skip
    add_weights(p, model_flags=False)
    p.add_argument("-n", type=positive_int, default=20, help="how many names (default: 20)")
    p.add_argument(
        "--temperature", type=positive_number, default=1.0,
        help="below 1 likelier, plainer names; above 1 rarer, stranger ones (default: 1)",
    )  # fmt: skip
    p.add_argument(
        "--top-k", type=positive_int, default=None, metavar="K",
        help="draw from the K likeliest characters only; 1 is greedy (default: all)",
    )  # fmt: skip
    p.add_argument(
        "--seed", type=non_negative_int, default=0,
        help="seeds the draws: the same model and seed give the same names (default: 0)",
    )  # fmt: skip


def run(args) -> int:
    from ..commands import load_model

    model, config, path = load_model(args)
    task = model_task(config.model)
    if "sample" not in task.commands:
        raise CommandError(f"{path}: {config.model} ({task.name}) draws no names; sample "
                           "works on a names language model (--model namegpt)")  # fmt: skip
    vocab = Vocab(config.model_options["chars"])
    if args.top_k is not None and args.top_k > vocab.size:
        raise ConfigError(f"--top-k {args.top_k}: choose 1..{vocab.size}, the tokens of the "
                          f"vocabulary of {path} (its characters and the end)")  # fmt: skip
    for name in sample(model, vocab, args.n, temperature=args.temperature, top_k=args.top_k,
                       seed=args.seed):  # fmt: skip
        print(name)
    return 0
