"""Command line: ``python -m model_export train|evaluate|export|inspect`` (also ``gaunt-model``).

    train CONFIG.json [--resume]           train; writes model, log, plots, table to output_dir
    evaluate MODEL.gaunt.pt DATA.xyz       validation table on a dataset (optionally checked
                                           against recorded metrics with a tolerance factor)
    export CHECKPOINT_DIR OUT.gaunt.pt     model file from a training directory's best weights
    plot TRAINING_DIR                      redraw learning curve and parity plots
    inspect MODEL.gaunt.pt                 validate the file and print its header
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional


def _train(args: argparse.Namespace) -> int:
    from .train import TrainConfig, train

    cfg = TrainConfig.from_json_file(args.config)
    if args.resume:
        cfg.resume = True
    for item in args.set or []:
        key, _, value = item.partition("=")
        if not hasattr(cfg, key):
            raise ValueError(f"--set: unknown TrainConfig field {key!r}")
        setattr(cfg, key, json.loads(value))
    train(cfg)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import torch

    from . import data
    from .model_file import load_model
    from .train import compute_metrics, metrics_table

    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    configs = data.read_extxyz(args.data, index=args.index)
    items = data.prepare(configs, model.config.elements, model.config.cutoff)
    metrics = compute_metrics(model, items, args.batch_size, torch.float64)
    metrics.pop("_raw")
    print(metrics_table(metrics, title=args.data))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(metrics, handle, indent=2)
    if args.check:
        with open(args.check) as handle:
            recorded = json.load(handle)
        failed = []
        for key in ("energy_mae_meV_per_atom", "forces_mae_meV_per_A"):
            if key in recorded and key in metrics:
                limit = args.tolerance * recorded[key]
                ok = metrics[key] <= limit
                print(f"{key}: {metrics[key]:.4f} (limit {limit:.4f}) {'ok' if ok else 'FAIL'}")
                if not ok:
                    failed.append(key)
        if failed:
            print(f"evaluate: errors above {args.tolerance}x the recorded values: {failed}")
            return 1
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import export_checkpoint

    header = export_checkpoint(args.directory, args.output)
    print(f"wrote {args.output} (weights sha256 {header['weights']['sha256']})")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from .train import metrics_table, replot

    print(metrics_table(replot(args.directory)))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .model_file import header_text

    print(header_text(args.model))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gaunt-model", description="GauntNet: train, evaluate, export, inspect"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a model from a JSON training config")
    p.add_argument("config", help="JSON file with TrainConfig fields (see README)")
    p.add_argument("--resume", action="store_true", help="continue from output_dir/checkpoint.pt")
    p.add_argument("--set", action="append", metavar="KEY=JSON", help="override a field")
    p.set_defaults(func=_train)
    p = sub.add_parser("evaluate", help="errors of a model file on an extxyz dataset")
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("--index", default=":", help="ASE index string, e.g. ':50'")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="write the metrics to this JSON file")
    p.add_argument("--check", help="metrics.json with recorded errors to compare against")
    p.add_argument("--tolerance", type=float, default=1.5, help="allowed factor for --check")
    p.set_defaults(func=_evaluate)
    p = sub.add_parser("export", help="model file from a training directory (best EMA weights)")
    p.add_argument("directory")
    p.add_argument("output")
    p.set_defaults(func=_export)
    p = sub.add_parser("plot", help="redraw the plots of a finished training directory")
    p.add_argument("directory")
    p.set_defaults(func=_plot)
    p = sub.add_parser("inspect", help="validate a model file and print its header")
    p.add_argument("model")
    p.set_defaults(func=_inspect)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as err:
        print(f"gaunt-model {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
