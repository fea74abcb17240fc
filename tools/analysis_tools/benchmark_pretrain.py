"""Step time and peak memory of each slimmable pretraining algorithm against
a full-width-only step of the same model, next to the FLOPs-proportional
limit.

For every algorithm the same model and the same batch run two kinds of
training step (``model.train_step`` with a real SGD optimizer wrapper):

* *full-only*: the progress is set to iteration 0, where every schedule
  trains the largest network alone (slow start, dynamic sampling's first
  quarter, DSPNet's warm-up);
* *sampled*: the progress is set to the last iteration, where the schedule
  runs all its sub-networks (SlimCLR: every width; US3L: largest +
  smallest 0.25 + one random; DSPNet: the sandwich of n = 4 in width and
  depth).

FLOPs-proportional limit: the FLOPs of one sampled step over those of one
full-only step, both counted by torch's ``FlopCounterMode`` over the whole
``train_step``: forward and backward of every convolution and matrix
product (online sub-networks, the momentum encoder, projectors,
and the contrastive logits against the queue or the batch). Roughly::

    limit ~ (3 * sum_s F_s + F_target) / (3 * F_full + F_target)

where ``F_s`` is what sub-network ``s`` costs on the views it sees
(backward ~ 2 x forward). For a ResNet ``F_s ~ w_s^2 F``, e.g.
SlimCLR-MoCov2 (view 1 through 4 widths, one momentum forward):
``(3 * 1.875 + 1) / (3 + 1) = 1.66``. The count replaces the estimate
because the estimate misses terms that do not shrink with the width: the
stem input, the projectors' fixed dimensions, DSPNet's dropped blocks, and
the logits of each width against the 65536-key MoCo queue (32 x 128 x 65536
multiply-adds per width and view at batch 32, ~6 % of a ResNet-18 forward
at 64 px). Targets: step-time ratio <= 1.05 x limit and, for DSPNet (one
backward per sub-network), peak memory <= 1.15 x full-only.

Plain-network reference (:class:`PlainSubnets`): the same two steps with
every sub-network run as its exported plain network. Its ratio over the
limit is what the hardware allows (narrow convolutions and the memory-bound
layers, whose cost shrinks like ``w`` and not ``w^2``, run above their
FLOPs share), and the slimmable ratio over the plain ratio is the slimmable
implementation's own overhead.

Timing: each of the (slimmable / plain) x (full / sampled) steps runs once
per round after one warm-up round, the order reversed every other round so
that a drift of the machine's speed hits both phases alike. On a shared
machine the speed drifts between identical consecutive steps, so the
ratios are paired: each round gives ``sampled / full`` of
adjacent steps, and the table reports the median over the ``--repeats``
rounds of those paired ratios (and of ``slimmable ratio / plain ratio``
per round), next to the median step times; every raw time is in ``--out``.
The default crop is the paper's (224 px for SlimCLR and US3L, 128 px for
DSPNet): at small crops fixed per-layer costs, which a real run does not
see in that proportion, dominate the narrow widths.

Peak memory: ``torch.cuda.max_memory_allocated`` on CUDA; on CPU the growth
of the process's RSS high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs`` before the step) over its RSS before the step,
each measurement in a fresh subprocess with glibc's mmap threshold at
64 KiB (every activation gets its own mapping, returned on free, so the RSS
follows the live tensors rather than the allocator's free lists).

Example::

    python tools/analysis_tools/benchmark_pretrain.py --threads 1 \\
        --repeats 5 [--algorithms US3L] [--image-size 64] [--skip-plain]
"""
import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from mmengine.config import DictAction

ALGORITHMS = {
    'SlimCLR-MoCov2':
    'configs/slimclr/slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py',
    'SlimCLR-MoCov3':
    'configs/slimclr/'
    'slimclr-mocov3_slimmable-r50_8xb128-lars-coslr-300e_in1k.py',
    'US3L': 'configs/us3l/us3l_us-r50_8xb64-coslr-100e_in1k.py',
    'DSPNet':
    'configs/dspnet/dspnet_slimmable-r34x1.5_16xb256-lars-coslr-300e_in1k.py',
}
# The crop size each paper pretrains at (SlimCLR and US3L: 224; DSPNet:
# 128, its section 4.1), the default of --image-size.
PAPER_IMAGE_SIZE = {
    'SlimCLR-MoCov2': 224,
    'SlimCLR-MoCov3': 224,
    'US3L': 224,
    'DSPNet': 128,
}
PHASES = ('full', 'sampled')
MAX_ITERS = 1000


def build(name: str, depth: int, cfg_options: Dict = None) -> nn.Module:
    """The algorithm's ImageNet model with a ResNet of ``depth`` (DSPNet
    keeps its ResNet-34 family, whose smallest member is a ResNet-18),
    ``cfg_options`` merged last (``--cfg-options``)."""
    from mmengine.logging import MessageHub
    from mmengine.registry import MODELS, init_default_scope

    import slimmm  # noqa: F401  (registries)
    from slimmm.apis import load_config
    init_default_scope('mmpretrain')
    # CosineEMA reads the run length from the message hub.
    MessageHub.get_current_instance().update_info('max_iters', MAX_ITERS)
    options = {} if name == 'DSPNet' else {'model.backbone.depth': depth}
    if name == 'SlimCLR-MoCov2':  # a smaller queue, same step cost
        options['model.queue_len'] = 4096
    options.update(cfg_options or {})
    cfg = load_config(ALGORITHMS[name], cfg_options=options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if torch.cuda.is_available():
        model.cuda()
    model.train()
    return model


def make_batch(batch_size: int, image_size: int) -> Dict:
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    views = [
        torch.randint(0, 256, (batch_size, 3, image_size, image_size),
                      generator=gen, dtype=torch.uint8) for _ in range(2)
    ]
    return dict(inputs=views,
                data_samples=[DataSample() for _ in range(batch_size)])


def set_phase(model: nn.Module, phase: str) -> None:
    model.set_progress(0 if phase == 'full' else MAX_ITERS - 1, MAX_ITERS)


def optim_wrapper_for(parameters):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(parameters, lr=1e-4, momentum=0.9))


def count_flops(model: nn.Module, batch: Dict, phase: str
                ) -> Tuple[float, List[float]]:
    """(FLOPs of one training step, sampled widths) in ``phase``."""
    from torch.utils.flop_counter import FlopCounterMode
    set_phase(model, phase)
    widths = [net.width for net in model.sample_subnets()]
    optim_wrapper = optim_wrapper_for(model.parameters())
    with FlopCounterMode(display=False) as counter:
        model.train_step(batch, optim_wrapper)
    return counter.get_total_flops(), widths


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class PlainSubnets:
    """The same training step with every sub-network run as its plain
    exported network (``convert_to_static`` of a copy at that width and
    depth): no sliced weights, no switchable BN, i.e. what an
    implementation without any slimmable overhead would cost on this
    machine. Its time ratio is the floor the hardware sets; the slimmable
    step over this one is the implementation's own overhead.

    The copies are built once for the sub-networks both phases sample
    (the samplers are seeded by the iteration, so the same ones come back)
    and swapped in by :meth:`active` for the online network only; the
    momentum encoder and the losses are untouched.
    """

    def __init__(self, model: nn.Module):
        self.model = model
        slimmable = model.slimmable_modules()
        self.names = [
            name for name, child in model.named_children()
            if any(child is module for module in slimmable)
        ]
        self.copies = {}
        for phase in PHASES:
            set_phase(model, phase)
            for net in model.sample_subnets():
                if net not in self.copies:
                    self.copies[net] = nn.ModuleDict({
                        name: self._plain_copy(getattr(model, name), net)
                        for name in self.names
                    })

    @staticmethod
    def _plain_copy(module: nn.Module, net) -> nn.Module:
        from slimmm.models.export import static_at
        if getattr(module, 'is_static', False):
            return copy.deepcopy(module)
        depth = net.depth if hasattr(module, 'set_depth') else None
        return static_at(module, net.width, depth)

    def parameters(self):
        yield from self.model.parameters()
        for copies in self.copies.values():
            yield from copies.parameters()

    @contextmanager
    def active(self):
        """Inside the block ``model.subnet(net)`` swaps in ``net``'s plain
        copies instead of setting a width."""
        model = self.model

        @contextmanager
        def plain_subnet(net, *modules):
            saved = {name: getattr(model, name) for name in self.names}
            for name, module in self.copies[net].items():
                setattr(model, name, module)
            try:
                yield
            finally:
                for name, module in saved.items():
                    setattr(model, name, module)

        model.subnet = plain_subnet  # shadows the method on this instance
        try:
            yield
        finally:
            del model.subnet


def time_steps(model: nn.Module, batch: Dict, repeats: int,
               plain: bool = True) -> Dict:
    """Step times per (variant, phase): the slimmable model and, with
    ``plain``, :class:`PlainSubnets`; all of them in every round, so that
    a change of machine load hits each of them, in reversed order every
    other round.

    Returns:
        dict: ``{(variant, phase): [seconds of round 1, ..., repeats]}``.
    """
    variants = {'slimmable': (optim_wrapper_for(model.parameters()),
                              nullcontext)}
    if plain:
        reference = PlainSubnets(model)
        variants['plain'] = (optim_wrapper_for(reference.parameters()),
                             reference.active)
    times = {(variant, phase): [] for variant in variants for phase in PHASES}
    for round_ in range(repeats + 1):  # round 0 warms up (allocations)
        order = list(times) if round_ % 2 else list(times)[::-1]
        for variant, phase in order:
            optim_wrapper, context = variants[variant]
            set_phase(model, phase)
            with context():
                _sync()
                start = time.perf_counter()
                model.train_step(batch, optim_wrapper)
                _sync()
            if round_:
                times[variant, phase].append(time.perf_counter() - start)
    return times


def paired_ratios(times: Dict, variant: str) -> List[float]:
    """``sampled / full`` of each round (steps timed next to each other)."""
    return [sampled / full for sampled, full in
            zip(times[variant, 'sampled'], times[variant, 'full'])]


def timing_row(times: Dict) -> Dict:
    """Median step times and median paired ratios of :func:`time_steps`
    (``time_*`` for the slimmable model, ``plain_*`` for the reference),
    plus the raw times."""
    row = {}
    for variant, prefix in (('slimmable', 'time'), ('plain', 'plain')):
        if (variant, 'full') not in times:
            continue
        for phase in PHASES:
            row[f'{prefix}_{phase}'] = statistics.median(times[variant,
                                                               phase])
            row[f'{prefix}_{phase}_raw'] = times[variant, phase]
        row[f'{prefix}_ratio'] = statistics.median(
            paired_ratios(times, variant))
    if 'plain_ratio' in row:
        row['overhead'] = statistics.median(
            slimmable / plain for slimmable, plain in zip(
                paired_ratios(times, 'slimmable'),
                paired_ratios(times, 'plain')))
    return row


def image_size_of(args, name: str) -> int:
    """``--image-size``, else the paper's pretraining crop."""
    return args.image_size or PAPER_IMAGE_SIZE[name]


def peak_memory_child(args) -> None:
    """Runs in a fresh process: peak memory growth of one step (bytes)."""
    model = build(args.algorithm, args.depth, args.cfg_options)
    batch = make_batch(args.batch_size, image_size_of(args, args.algorithm))
    set_phase(model, args.phase)
    optim_wrapper = optim_wrapper_for(model.parameters())
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        model.train_step(batch, optim_wrapper)
        peak = torch.cuda.max_memory_allocated() - before
    else:
        # Reset the process's RSS high-water mark (Linux >= 4.0) so that
        # building the model cannot hide the step's peak.
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        before = _status_kib('VmRSS')
        model.train_step(batch, optim_wrapper)
        peak = (_status_kib('VmHWM') - before) * 1024
    print(json.dumps(dict(peak=peak)))


def _status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{key} not in /proc/self/status')


def peak_memory(args, name: str, phase: str) -> float:
    command = [
        sys.executable, __file__, '--child', '--algorithm', name,
        '--phase', phase, '--depth', str(args.depth), '--image-size',
        str(image_size_of(args, name)), '--batch-size', str(args.batch_size),
        '--cfg-json', json.dumps(args.cfg_options or {})
    ]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.getcwd(), os.environ.get('PYTHONPATH', '')]))
    # glibc serves every allocation >= 64 KiB (all activations) with its
    # own mmap and unmaps it on free, so the RSS follows the live tensors
    # instead of the allocator's free lists (fragmentation would otherwise
    # count memory the step does not hold).
    env['MALLOC_MMAP_THRESHOLD_'] = str(64 * 1024)
    child = subprocess.run(command, capture_output=True, text=True, env=env)
    if child.returncode:
        raise RuntimeError(f'The peak-memory process of {name} ({phase}) '
                           f'failed:\n{child.stderr[-3000:]}')
    return json.loads(child.stdout.strip().splitlines()[-1])['peak']


def stage1_channels(model: nn.Module, widths: List[float]) -> List[int]:
    """Channels of the first stage at each width (ResNets; ``[]`` for
    backbones without a ``base_spec``). What a width costs follows its
    channel count: a universal width of 0.836 runs 56 channels, which
    oneDNN on AVX-512 computes in the time of 64
    (``benchmark_conv_channels.py``)."""
    spec = getattr(model.backbone, 'base_spec', None)
    return [spec.at(width) for width in widths] if spec else []


def benchmark(args, name: str) -> Dict:
    model = build(name, args.depth, args.cfg_options)
    size = image_size_of(args, name)
    batch = make_batch(args.batch_size, size)
    flops = {phase: count_flops(model, batch, phase) for phase in PHASES}
    widths = flops['sampled'][1]
    row = dict(algorithm=name, widths=widths,
               channels=stage1_channels(model, widths), image_size=size,
               limit=flops['sampled'][0] / flops['full'][0])
    if not args.skip_time:
        row.update(timing_row(
            time_steps(model, batch, args.repeats, not args.skip_plain)))
    if not args.skip_memory:
        memory = {phase: peak_memory(args, name, phase) for phase in PHASES}
        row.update(mem_full=memory['full'], mem_sampled=memory['sampled'],
                   mem_ratio=memory['sampled'] / max(memory['full'], 1))
    return row


def table(rows: List[Dict]) -> str:
    """Markdown table; ``-`` where a part was skipped."""
    lines = [
        '| algorithm | sampled widths (stage-1 channels) | px '
        '| step full (s) | step sampled (s) | time ratio | FLOPs limit '
        '| ratio / limit | plain ratio / limit | slimmable overhead '
        '| peak mem full (MiB) | peak mem sampled (MiB) | memory ratio |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]

    def cell(key, scale=1.0, digits=2, over=None):
        if key not in r or (over is not None and over not in r):
            return '-'
        value = r[key] / (r[over] if over else scale)
        return f'{value:.{digits}f}'

    for r in rows:
        channels = r.get('channels') or [None] * len(r['widths'])
        widths = ', '.join(f'{w:.3g}' + (f' ({c})' if c else '')
                           for w, c in zip(r['widths'], channels))
        cells = [
            cell('time_full', digits=3), cell('time_sampled', digits=3),
            cell('time_ratio'), cell('limit'),
            cell('time_ratio', over='limit'),
            cell('plain_ratio', over='limit'),
            cell('overhead'),
            cell('mem_full', 2**20, 0), cell('mem_sampled', 2**20, 0),
            cell('mem_ratio')
        ]
        lines.append(f"| {r['algorithm']} | {widths} | {r['image_size']} | "
                     + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--algorithms', nargs='+', default=list(ALGORITHMS),
                        choices=list(ALGORITHMS))
    parser.add_argument('--depth', type=int, default=18,
                        help='ResNet depth for SlimCLR and US3L')
    parser.add_argument('--image-size', type=int, default=None,
                        help='crop size of both views (default: the '
                        "paper's, 224 for SlimCLR and US3L, 128 for DSPNet)")
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed rounds; the medians count')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch decides)')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--skip-time', action='store_true')
    parser.add_argument('--skip-plain', action='store_true',
                        help='do not time the plain-network reference')
    parser.add_argument('--out', help='also write the rows as JSON here')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='override settings of every benchmarked config, e.g. '
        'model.sampler.seed=4 (another random width for US3L)')
    # internal: one peak-memory measurement in a fresh process
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--algorithm', help=argparse.SUPPRESS)
    parser.add_argument('--phase', choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument('--cfg-json', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cfg_json:  # the child gets the parent's options verbatim
        args.cfg_options = json.loads(args.cfg_json)
    return args


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        peak_memory_child(args)
        return
    if args.out and os.path.exists(args.out):
        raise FileExistsError(f'{args.out} exists; choose another --out.')
    rows = []
    for name in args.algorithms:
        rows.append(benchmark(args, name))
        print(name, {k: v for k, v in rows[-1].items()
                     if k not in ('widths', 'channels')
                     and not k.endswith('_raw')},
              flush=True)
    print(f'\nbatch {args.batch_size}, '
          f'{"CUDA" if torch.cuda.is_available() else "CPU"}, '
          f'{torch.get_num_threads()} threads')
    print(table(rows))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
