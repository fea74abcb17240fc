"""Cost of one joint slimmable detector iteration (SlimCLR Table 2
protocol) against the per-width protocol's iterations, measured side by
side in one run.

    python tools/analysis_tools/benchmark_joint_detector.py \
        [--config CONFIG] [--image-size 224] [--batch-size 2] \
        [--repeats 5] [--skip-memory | --memory-only] [--out result.json]

* *joint*: ``train_step`` of the joint detector (every width of
  ``train_widths``, one backward per width, one optimizer step);
* *per-width*: the ``train_step`` of each width's own detector, as the
  per-width protocol trains it (the joint detector converted to plain
  layers at that width: stock-shaped ResNet, FPN with that width's
  ``in_channels``), one per width; their sum is the cost of training the
  widths one after the other.

FLOPs: torch's ``FlopCounterMode`` over each whole step (forward and
backward of every convolution and matrix product). Step time: each round
runs the joint step and the per-width steps next to each other, in
reversed order every other round, after one warm-up round; the table gives
the median over rounds of ``joint / sum(per-width)``. Peak memory: the
joint step against the full-width per-width step, each in a fresh process
(``torch.cuda.max_memory_allocated`` on CUDA; on CPU the growth of the RSS
high-water mark, as ``benchmark_pretrain.py`` measures it). Targets: time
<= 1.05 x the sum, memory <= 1.15 x full width.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import slimmm  # noqa: E402,F401
from slimmm.apis.config import load_config  # noqa: E402
from slimmm.models.detectors import build_joint_detector  # noqa: E402
from slimmm.models.ops import convert_to_static, set_width  # noqa: E402

DEFAULT_CONFIG = ('configs/benchmarks/mmdetection/'
                  'mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--image-size', type=int, default=224)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--skip-memory', action='store_true',
                        help='no peak-memory processes (FLOPs and time '
                        'only)')
    parser.add_argument('--memory-only', action='store_true',
                        help='only the peak-memory processes (no FLOPs, '
                        'no timing)')
    parser.add_argument('--out', help='write every number as JSON here')
    parser.add_argument('--child', choices=['joint', 'full'],
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.skip_memory and args.memory_only:
        parser.error('--skip-memory and --memory-only leave nothing to '
                     'measure; pass one of them.')
    return args


def build(config: str):
    torch.manual_seed(0)
    cfg = load_config(config).model.to_dict()
    model = build_joint_detector(cfg)
    if torch.cuda.is_available():
        model = model.cuda()
    return model.train()


def per_width_model(model, width: float):
    """The per-width protocol's detector at ``width``: plain layers."""
    static = copy.deepcopy(model)
    set_width(static, width)
    convert_to_static(static, width)
    static.train_widths, static.width_sampler = [width], None
    static.loss_weights = [1.0]
    return static.train()


def make_batch(model, batch_size: int, image_size: int) -> Dict:
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    num_classes = model.roi_head.bbox_head.num_classes
    with_mask = getattr(model.roi_head, 'with_mask', False)
    return demo_mm_inputs(batch_size, image_shapes=(3, image_size,
                                                    image_size),
                          num_items=[3] * batch_size, num_classes=num_classes,
                          with_mask=with_mask)


def optim_wrapper_for(model):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-5,
                                        momentum=0.9),
                        clip_grad=dict(max_norm=35, norm_type=2))


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def step_seconds(model, batch, wrapper) -> float:
    _sync()
    start = time.perf_counter()
    model.train_step(copy.deepcopy(batch), wrapper)
    _sync()
    return time.perf_counter() - start


def count_flops(model, batch) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        model.train_step(copy.deepcopy(batch), optim_wrapper_for(model))
    return counter.get_total_flops()


def _status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{key} not in /proc/self/status')


def peak_memory_child(args) -> None:
    """In a fresh process: peak memory growth of one step (bytes)."""
    model = build(args.config)
    if args.child == 'full':
        model = per_width_model(model, model.backbone.width_space.max)
    batch = make_batch(model, args.batch_size, args.image_size)
    wrapper = optim_wrapper_for(model)
    model.train_step(copy.deepcopy(batch), wrapper)  # gradient buffers
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        model.train_step(copy.deepcopy(batch), wrapper)
        peak = torch.cuda.max_memory_allocated() - before
    else:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset the RSS high-water mark (Linux >= 4.0)
        before = _status_kib('VmRSS')
        model.train_step(copy.deepcopy(batch), wrapper)
        peak = (_status_kib('VmHWM') - before) * 1024
    print(json.dumps(dict(peak=peak)))


def peak_memory(args, which: str) -> float:
    command = [sys.executable, __file__, '--child', which, '--config',
               args.config, '--image-size', str(args.image_size),
               '--batch-size', str(args.batch_size)]
    env = dict(os.environ)
    # Every activation gets its own mapping, returned on free: the RSS
    # follows the live tensors, not the allocator's free lists.
    env['MALLOC_MMAP_THRESHOLD_'] = str(64 * 1024)
    child = subprocess.run(command, capture_output=True, text=True, env=env)
    if child.returncode:
        raise RuntimeError(f'The peak-memory process ({which}) failed:\n'
                           f'{child.stderr[-3000:]}')
    return json.loads(child.stdout.strip().splitlines()[-1])['peak']


def flops_and_time(args, model, widths: List[float]) -> Dict:
    singles = {w: per_width_model(model, w) for w in widths}
    batch = make_batch(model, args.batch_size, args.image_size)
    flops_joint = count_flops(model, batch)
    flops_widths = {w: count_flops(m, batch) for w, m in singles.items()}
    wrappers = {'joint': optim_wrapper_for(model)}
    wrappers.update({w: optim_wrapper_for(m) for w, m in singles.items()})
    runs = [('joint', model)] + list(singles.items())
    times = {key: [] for key, _ in runs}
    for round_ in range(args.repeats + 1):  # round 0 warms up
        for key, net in (runs if round_ % 2 else runs[::-1]):
            seconds = step_seconds(net, batch, wrappers[key])
            if round_:
                times[key].append(seconds)
    ratios = [times['joint'][i] / sum(times[w][i] for w in widths)
              for i in range(args.repeats)]
    return dict(
        flops_joint=flops_joint, flops_per_width=flops_widths,
        flops_ratio=flops_joint / sum(flops_widths.values()),
        time_joint=statistics.median(times['joint']),
        time_per_width={w: statistics.median(times[w]) for w in widths},
        time_ratio=statistics.median(ratios), time_raw=times)


def benchmark(args) -> Dict:
    model = build(args.config)
    widths: List[float] = model.sample_widths(0, 1)
    result = dict(
        config=args.config, widths=widths, image_size=args.image_size,
        batch_size=args.batch_size, repeats=args.repeats,
        device='cuda' if torch.cuda.is_available() else 'cpu')
    if not args.memory_only:
        result.update(flops_and_time(args, model, widths))
    if not args.skip_memory:
        result.update(peak_joint=peak_memory(args, 'joint'),
                      peak_full=peak_memory(args, 'full'))
        result['memory_ratio'] = result['peak_joint'] / result['peak_full']
    return result


def number(value, digits: int, scale: float = 1.0) -> str:
    """``value / scale`` with ``digits`` decimals; '-' if not measured."""
    return '-' if value is None else f'{value / scale:.{digits}f}'


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        peak_memory_child(args)
        return
    if args.out and osp.exists(args.out):
        raise SystemExit(f'{args.out} exists; choose another --out.')
    result = benchmark(args)
    print('| widths | GFLOPs joint | GFLOPs per-width sum | FLOPs ratio | '
          's joint | s per-width sum | time ratio | peak MiB joint | '
          'peak MiB full width | memory ratio |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    per_width = result.get('flops_per_width')
    times = result.get('time_per_width')
    print(f"| {', '.join(f'{w:g}' for w in result['widths'])} | "
          f"{number(result.get('flops_joint'), 1, 1e9)} | "
          f"{number(per_width and sum(per_width.values()), 1, 1e9)} | "
          f"{number(result.get('flops_ratio'), 3)} | "
          f"{number(result.get('time_joint'), 2)} | "
          f"{number(times and sum(times.values()), 2)} | "
          f"{number(result.get('time_ratio'), 3)} | "
          f"{number(result.get('peak_joint'), 0, 2**20)} | "
          f"{number(result.get('peak_full'), 0, 2**20)} | "
          f"{number(result.get('memory_ratio'), 3)} |")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2, default=str)


if __name__ == '__main__':
    main()
