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
product (online sub-networks, the momentum / target network, projectors,
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

Peak memory: ``torch.cuda.max_memory_allocated`` on CUDA; on CPU the growth
of the process's RSS high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs`` before the step) over its RSS before the step,
each measurement in a fresh subprocess with glibc's mmap threshold at
64 KiB (every activation gets its own mapping, returned on free, so the RSS
follows the live tensors rather than the allocator's free lists).

Example::

    python tools/analysis_tools/benchmark_pretrain.py --depth 18 \\
        --image-size 64 --batch-size 32 --repeats 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Tuple

import torch
import torch.nn as nn

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
PHASES = ('full', 'sampled')
MAX_ITERS = 1000


def build(name: str, depth: int) -> nn.Module:
    """The algorithm's ImageNet model with a ResNet of ``depth`` (DSPNet
    keeps its ResNet-34 family, whose smallest member is a ResNet-18)."""
    import slimmm  # noqa: F401  (registries)
    from mmengine.logging import MessageHub
    from mmengine.registry import MODELS, init_default_scope

    from slimmm.apis import load_config
    init_default_scope('mmpretrain')
    # CosineEMA reads the run length from the message hub.
    MessageHub.get_current_instance().update_info('max_iters', MAX_ITERS)
    options = {} if name == 'DSPNet' else {'model.backbone.depth': depth}
    if name == 'SlimCLR-MoCov2':  # a smaller queue, same step cost
        options['model.queue_len'] = 4096
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


def optim_wrapper_for(model: nn.Module):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-4,
                                        momentum=0.9))


def count_flops(model: nn.Module, batch: Dict, phase: str
                ) -> Tuple[float, List[float]]:
    """(FLOPs of one training step, sampled widths) in ``phase``."""
    from torch.utils.flop_counter import FlopCounterMode
    set_phase(model, phase)
    widths = [net.width for net in model.sample_subnets()]
    optim_wrapper = optim_wrapper_for(model)
    with FlopCounterMode(display=False) as counter:
        model.train_step(batch, optim_wrapper)
    return counter.get_total_flops(), widths


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def time_steps(model: nn.Module, batch: Dict, repeats: int) -> Dict:
    """Median step time per phase, phases interleaved so that a change of
    machine load hits both."""
    optim_wrapper = optim_wrapper_for(model)
    times = {phase: [] for phase in PHASES}
    for phase in PHASES:  # warm-up (allocations, first EMA copy)
        set_phase(model, phase)
        model.train_step(batch, optim_wrapper)
    for _ in range(repeats):
        for phase in PHASES:
            set_phase(model, phase)
            _sync()
            start = time.perf_counter()
            model.train_step(batch, optim_wrapper)
            _sync()
            times[phase].append(time.perf_counter() - start)
    return {phase: statistics.median(t) for phase, t in times.items()}


def peak_memory_child(args) -> None:
    """Runs in a fresh process: peak memory growth of one step (bytes)."""
    model = build(args.algorithm, args.depth)
    batch = make_batch(args.batch_size, args.image_size)
    set_phase(model, args.phase)
    optim_wrapper = optim_wrapper_for(model)
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
        str(args.image_size), '--batch-size', str(args.batch_size)
    ]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.getcwd(), os.environ.get('PYTHONPATH', '')]))
    # glibc serves every allocation >= 64 KiB (all activations) with its
    # own mmap and unmaps it on free, so the RSS follows the live tensors
    # instead of the allocator's free lists (fragmentation would otherwise
    # count memory the step does not hold).
    env['MALLOC_MMAP_THRESHOLD_'] = str(64 * 1024)
    out = subprocess.run(command, check=True, capture_output=True,
                         text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])['peak']


def benchmark(args, name: str) -> Dict:
    model = build(name, args.depth)
    batch = make_batch(args.batch_size, args.image_size)
    flops = {phase: count_flops(model, batch, phase) for phase in PHASES}
    row = dict(algorithm=name, widths=flops['sampled'][1],
               limit=flops['sampled'][0] / flops['full'][0])
    if not args.skip_time:
        times = time_steps(model, batch, args.repeats)
        row.update(time_full=times['full'], time_sampled=times['sampled'],
                   time_ratio=times['sampled'] / times['full'])
    if not args.skip_memory:
        memory = {phase: peak_memory(args, name, phase) for phase in PHASES}
        row.update(mem_full=memory['full'], mem_sampled=memory['sampled'],
                   mem_ratio=memory['sampled'] / max(memory['full'], 1))
    return row


def table(rows: List[Dict]) -> str:
    lines = [
        '| algorithm | sampled widths | step full (s) | step sampled (s) '
        '| time ratio | FLOPs limit | ratio / limit | peak mem full (MiB) '
        '| peak mem sampled (MiB) | memory ratio |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        widths = ', '.join(f'{w:.3g}' for w in r['widths'])
        mem = ['-', '-', '-']
        if 'mem_ratio' in r:
            mem = [f"{r['mem_full'] / 2**20:.0f}",
                   f"{r['mem_sampled'] / 2**20:.0f}", f"{r['mem_ratio']:.2f}"]
        timing = ['-', '-', '-', f"{r['limit']:.2f}", '-']
        if 'time_ratio' in r:
            timing = [f"{r['time_full']:.3f}", f"{r['time_sampled']:.3f}",
                      f"{r['time_ratio']:.2f}", f"{r['limit']:.2f}",
                      f"{r['time_ratio'] / r['limit']:.2f}"]
        lines.append(f"| {r['algorithm']} | {widths} | " +
                     ' | '.join(timing + mem) + ' |')
    return '\n'.join(lines)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--algorithms', nargs='+', default=list(ALGORITHMS),
                        choices=list(ALGORITHMS))
    parser.add_argument('--depth', type=int, default=18,
                        help='ResNet depth for SlimCLR and US3L')
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch decides)')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--skip-time', action='store_true')
    parser.add_argument('--out', help='also write the rows as JSON here')
    # internal: one peak-memory measurement in a fresh process
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--algorithm', help=argparse.SUPPRESS)
    parser.add_argument('--phase', choices=PHASES, help=argparse.SUPPRESS)
    return parser.parse_args()


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
        print(name, {k: v for k, v in rows[-1].items() if k != 'widths'},
              flush=True)
    print(f'\nbatch {args.batch_size}, {args.image_size} px, '
          f'{"CUDA" if torch.cuda.is_available() else "CPU"}, '
          f'{torch.get_num_threads()} threads')
    print(table(rows))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
