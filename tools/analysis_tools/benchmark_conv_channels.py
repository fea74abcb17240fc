"""Speed of one 3x3 convolution (a ResNet stage-1 layer) per channel count,
forward and forward + backward, in GFLOP/s measured side by side.

Why: a universally slimmable network runs channel counts such as 56 or 40
(multiples of 8, the US-Nets rounding). On CPUs whose oneDNN kernels block
channels by 16 (AVX-512) such a count is padded to the next multiple of 16,
so 56 channels take as long as 64 and the step costs more than its FLOPs
share; ``benchmark_pretrain.py`` shows the stage-1 channels of every
sampled width for this reason.

    python tools/analysis_tools/benchmark_conv_channels.py --threads 1 \\
        [--channels 16 24 32 40 48 56 64] [--size 56] [--batch 32]
"""
import argparse
import time

import torch
import torch.nn.functional as F


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--channels', type=int, nargs='+',
                        default=[16, 24, 32, 40, 48, 56, 64])
    parser.add_argument('--size', type=int, default=56,
                        help='feature map side (stage 1 at 224 px: 56)')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=5,
                        help='rounds over all channel counts; best counts')
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args()


def time_conv(channels: int, size: int, batch: int) -> tuple:
    """(forward s, forward + backward s) of a channels -> channels 3x3
    convolution with padding 1."""
    inputs = torch.randn(batch, channels, size, size, requires_grad=True)
    weight = torch.randn(channels, channels, 3, 3, requires_grad=True)
    start = time.perf_counter()
    out = F.conv2d(inputs, weight, padding=1)
    forward = time.perf_counter() - start
    start = time.perf_counter()
    out = F.conv2d(inputs, weight, padding=1)
    out.backward(torch.ones_like(out))
    return forward, time.perf_counter() - start


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    best = {c: (float('inf'), float('inf')) for c in args.channels}
    for round_ in range(args.repeats + 1):  # round 0 warms up
        for channels in args.channels:
            times = time_conv(channels, args.size, args.batch)
            if round_:
                best[channels] = tuple(map(min, best[channels], times))
    print(f'3x3 conv, batch {args.batch}, {args.size} px, '
          f'{torch.get_num_threads()} threads, best of {args.repeats}')
    print('| channels | forward (ms) | GFLOP/s | fwd + bwd (ms) | GFLOP/s |')
    print('|---|---|---|---|---|')
    for channels, (forward, both) in best.items():
        flops = 2 * args.batch * args.size**2 * channels**2 * 9
        print(f'| {channels} | {forward * 1e3:.1f} '
              f'| {flops / forward / 1e9:.1f} | {both * 1e3:.1f} '
              f'| {3 * flops / both / 1e9:.1f} |')


if __name__ == '__main__':
    main()
