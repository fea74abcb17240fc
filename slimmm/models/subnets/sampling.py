"""Which sub-networks train in an iteration: one mechanism, three recipes.

A :class:`WidthSampler` is a list of phases over training progress (the
fraction of iterations done). Each phase names the sub-networks to run as
a list of *picks*:

* ``'max'`` / ``'min'``: the largest / smallest width (``min_width``
  overrides the smallest for that phase, e.g. US3L's 0.75 -> 0.5 -> 0.25);
* ``'all'``: every width of a switchable network (SlimCLR);
* ``'random'``: one width drawn uniformly (from the list, or from
  ``[min, max]`` for universal networks), never repeating a width already
  picked in the iteration when the list allows it.

Recipes (see the ``*_schedule`` helpers below):

* SlimCLR slow start: ``[max]`` for the first S epochs, then ``[all]``.
* US3L dynamic sampling (Algorithm 1): ``[max]`` for the first quarter,
  then ``[max, min, random]`` with min 0.75, 0.5, 0.25 per later quarter.
* DSPNet sandwich rule: ``[max]`` during warm-up, then
  ``[max, random, random, min]`` (n = 4).

Picks are drawn from a generator seeded by ``(seed, iteration)``, so a
resumed run samples exactly what an uninterrupted one would. Depth (blocks
per stage) can be sampled alongside the width: ``depths`` lists the
choices, smallest first; ``max``/``min`` picks take the largest/smallest.
"""
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import MessageHub

PICKS = ('max', 'min', 'all', 'random')


@dataclass(frozen=True)
class SubNet:
    """One sampled sub-network."""
    width: float
    depth: Optional[Tuple[int, ...]] = None

    @property
    def is_full(self) -> bool:
        return self.width == 1.0 and self.depth is None

    def describe(self) -> str:
        depth = '' if self.depth is None else '_d' + '-'.join(
            map(str, self.depth))
        return f'w{self.width:g}{depth}'


class WidthSampler:
    """Sub-networks per iteration from a phase schedule.

    Args:
        width_space: The network's :class:`WidthSpace` (``.widths``,
            ``.min``, ``.max``, ``.universal``).
        phases (Sequence[dict]): ``dict(until=fraction, picks=[...],
            min_width=None)``, in order; ``until`` of the last is 1.0.
        depths (Sequence[Sequence[int]], optional): Depth choices (blocks
            per stage), shallowest first, sampled with each width; the
            largest sub-network always uses the deepest.
        seed (int): Seed of the per-iteration generator.
    """

    def __init__(self, width_space, phases: Sequence[Dict],
                 depths: Optional[Sequence[Sequence[int]]] = None,
                 seed: int = 0):
        if not phases:
            raise ValueError('A WidthSampler needs at least one phase.')
        previous = 0.0
        for phase in phases:
            unknown = set(phase.get('picks', ())) - set(PICKS)
            if unknown:
                raise ValueError(f'Unknown picks {sorted(unknown)}; use '
                                 f'{PICKS}.')
            if not previous <= phase['until'] <= 1.0:
                bounds = [p['until'] for p in phases]
                raise ValueError('Phases must be ordered with `until` in '
                                 f'[0, 1]; got {bounds}.')
            previous = phase['until']
        if phases[-1]['until'] != 1.0:
            raise ValueError('The last phase must end at until=1.0.')
        self.width_space = width_space
        self.phases = [dict(p) for p in phases]
        self.depths = [tuple(d) for d in depths] if depths else None
        self.seed = seed

    def phase_at(self, progress: float) -> Dict:
        for phase in self.phases:
            if progress < phase['until']:
                return phase
        return self.phases[-1]

    def sample(self, iteration: int, max_iters: int) -> List[SubNet]:
        """Sub-networks for ``iteration`` (0-based) out of ``max_iters``;
        the largest first (it is the teacher of the others)."""
        progress = iteration / max(1, max_iters)
        phase = self.phase_at(progress)
        rng = random.Random(self.seed * 1_000_003 + iteration)
        space = self.width_space
        smallest = phase.get('min_width') or space.min
        if not space.universal:
            smallest = space.check(smallest)
        picked: List[Tuple[float, str]] = []
        for pick in phase['picks']:
            if pick == 'max':
                picked.append((space.max, pick))
            elif pick == 'min':
                picked.append((smallest, pick))
            elif pick == 'all':
                picked.extend((w, pick) for w in space.widths
                              if w >= smallest)
            else:
                taken = [w for w, _ in picked]
                picked.append((self._random_width(rng, smallest, taken),
                               pick))
        return [SubNet(w, self._depth(rng, w, pick)) for w, pick in picked]

    def _random_width(self, rng: random.Random, smallest: float,
                      taken: List[float]) -> float:
        space = self.width_space
        if space.universal:
            return rng.uniform(smallest, space.max)
        choices = [w for w in space.widths if w >= smallest]
        fresh = [w for w in choices if w not in taken]
        return rng.choice(fresh or choices)

    def _depth(self, rng: random.Random, width: float,
               pick: str) -> Optional[Tuple[int, ...]]:
        if self.depths is None:
            return None
        if pick == 'max' or (pick == 'all' and width == 1.0):
            return self.depths[-1]
        if pick == 'min':
            return self.depths[0]
        return rng.choice(self.depths)

    def expected_forwards(self, max_iters: int) -> int:
        """Sub-network forwards over a run (US3L Eq. 12 counts 2.5T)."""
        return sum(
            len(self.sample(i, max_iters)) for i in range(max_iters))


def slow_start_schedule(slow_start: float = 0.5) -> List[Dict]:
    """SlimCLR: only the full network for the first ``slow_start`` of
    training, then every width."""
    phases = [dict(until=1.0, picks=['all'])]
    if slow_start > 0:
        phases.insert(0, dict(until=slow_start, picks=['max']))
    return phases


def dynamic_sampling_schedule(
        min_widths: Sequence[float] = (0.75, 0.5, 0.25),
        max_only: float = 0.25) -> List[Dict]:
    """US3L dynamic sampling: largest only for ``max_only`` of training,
    then largest + smallest + one random, the smallest shrinking through
    ``min_widths`` in equal parts of the rest."""
    phases = [dict(until=max_only, picks=['max'])] if max_only > 0 else []
    step = (1.0 - max_only) / len(min_widths)
    for index, min_width in enumerate(min_widths):
        until = 1.0 if index == len(min_widths) - 1 else \
            max_only + step * (index + 1)
        phases.append(dict(until=until, picks=['max', 'min', 'random'],
                           min_width=min_width))
    return phases


def sandwich_schedule(num_subnets: int = 4,
                      warmup: float = 0.0) -> List[Dict]:
    """DSPNet sandwich rule: largest, ``num_subnets - 2`` random, smallest,
    after ``warmup`` (fraction of training) of full network only."""
    if num_subnets < 2:
        raise ValueError('The sandwich rule needs at least 2 sub-networks.')
    picks = ['max'] + ['random'] * (num_subnets - 2) + ['min']
    phases = [dict(until=1.0, picks=picks)]
    if warmup > 0:
        phases.insert(0, dict(until=warmup, picks=['max']))
    return phases


def _full_only() -> List[Dict]:
    return [dict(until=1.0, picks=['max'])]


def _all_widths() -> List[Dict]:
    return [dict(until=1.0, picks=['all'])]


SCHEDULES = dict(
    slow_start=slow_start_schedule,
    dynamic_sampling=dynamic_sampling_schedule,
    sandwich=sandwich_schedule,
    full_only=_full_only,
    all=_all_widths,
)


def build_phases(sampler: Dict) -> List[Dict]:
    """Phases of a sampler config: ``dict(phases=[...])`` or
    ``dict(schedule='slow_start', slow_start=0.5)`` (a schedule of
    :data:`SCHEDULES` by name, with its keyword arguments)."""
    sampler = dict(sampler)
    sampler.pop('depths', None)
    sampler.pop('seed', None)
    if 'phases' in sampler:
        return list(sampler['phases'])
    name = sampler.pop('schedule', None)
    if name not in SCHEDULES:
        raise ValueError(
            f'sampler needs `phases=[...]` or `schedule` in '
            f'{sorted(SCHEDULES)}, got {name!r}.')
    return SCHEDULES[name](**sampler)


def training_progress() -> Tuple[int, int]:
    """``(iteration, max_iters)`` of the running training, as mmengine's
    ``RuntimeInfoHook`` keeps them in the message hub before every
    iteration (resume restores them); ``(0, 1)`` outside a training run.
    What every width sampler is driven by."""
    hub = MessageHub.get_current_instance()
    max_iters = hub.get_info('max_iters')
    if max_iters is None:
        return 0, 1
    return int(hub.get_info('iter', 0)), int(max_iters)


def set_training_progress(iteration: int, max_iters: int) -> None:
    """Put ``iteration`` of ``max_iters`` in the message hub, as
    ``RuntimeInfoHook`` does: for driving a model without a Runner (tests,
    benchmarks)."""
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', int(iteration))
    hub.update_info('max_iters', int(max_iters))
