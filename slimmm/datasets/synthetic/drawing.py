"""Deterministic drawing of simple shapes: the common ground of the tiny
synthetic datasets (classification, COCO, VOC)."""
import math
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ('circle', 'square', 'triangle', 'cross', 'diamond', 'ring',
          'hbars', 'vbars', 'checker', 'star', 'hexagon', 'arrow', 'tee')
#: Shapes told apart by their outline alone (no class texture): the
#: classes of the tiny ImageNet, where colour and texture are nuisances.
OUTLINE_SHAPES = ('circle', 'square', 'triangle', 'cross', 'diamond',
                  'ring', 'star', 'hexagon', 'arrow', 'tee')


def noisy_background(rng: np.random.Generator, size: int) -> Image.Image:
    base = rng.integers(40, 200, size=3)
    noise = rng.normal(0, 18, size=(size, size, 3))
    pixels = np.clip(base[None, None, :] + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, 'RGB')


def shape_polygon(shape: str, cx: float, cy: float, r: float,
                  angle: float = 0.0) -> List[Tuple[float, float]]:
    """Outline of ``shape`` as a polygon (used for masks and drawing)."""
    def rotate(points):
        c, s = math.cos(angle), math.sin(angle)
        return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in points]

    if shape in ('circle', 'ring'):
        return rotate([(r * math.cos(t), r * math.sin(t))
                       for t in np.linspace(0, 2 * math.pi, 24,
                                            endpoint=False)])
    if shape in ('square', 'hbars', 'vbars', 'checker'):
        return rotate([(-r, -r), (r, -r), (r, r), (-r, r)])
    if shape == 'triangle':
        return rotate([(0, -r), (r * 0.95, r * 0.8), (-r * 0.95, r * 0.8)])
    if shape == 'diamond':
        return rotate([(0, -r), (r * 0.7, 0), (0, r), (-r * 0.7, 0)])
    if shape == 'cross':
        a = r / 3
        return rotate([(-a, -r), (a, -r), (a, -a), (r, -a), (r, a), (a, a),
                       (a, r), (-a, r), (-a, a), (-r, a), (-r, -a),
                       (-a, -a)])
    if shape == 'hexagon':
        return rotate([(r * math.cos(t), r * math.sin(t))
                       for t in np.arange(6) * math.pi / 3])
    if shape == 'arrow':
        a = r * 0.35
        return rotate([(-r, -a), (0, -a), (0, -r), (r, 0), (0, r), (0, a),
                       (-r, a)])
    if shape == 'tee':
        a = r * 0.3
        return rotate([(-r, -r), (r, -r), (r, -r + 2 * a), (a, -r + 2 * a),
                       (a, r), (-a, r), (-a, -r + 2 * a),
                       (-r, -r + 2 * a)])
    if shape == 'star':
        points = []
        for k in range(10):
            radius = r if k % 2 == 0 else r * 0.45
            t = -math.pi / 2 + k * math.pi / 5
            points.append((radius * math.cos(t), radius * math.sin(t)))
        return rotate(points)
    raise KeyError(f'Unknown shape {shape!r}; known: {SHAPES}.')


def draw_shape(image: Image.Image, shape: str, cx: float, cy: float, r: float,
               color: Tuple[int, int, int], rng: np.random.Generator,
               angle: float = 0.0) -> List[Tuple[float, float]]:
    """Draw ``shape`` (with its class-specific texture) and return its
    outline polygon."""
    draw = ImageDraw.Draw(image)
    polygon = shape_polygon(shape, cx, cy, r, angle)
    draw.polygon(polygon, fill=color)
    dark = tuple(int(c * 0.35) for c in color)
    if shape == 'ring':
        inner = shape_polygon('circle', cx, cy, r * 0.5)
        draw.polygon(inner, fill=dark)
    elif shape in ('hbars', 'vbars'):
        step = max(2, int(r / 2))
        for offset in range(int(-r), int(r), step * 2):
            if shape == 'hbars':
                draw.rectangle([cx - r, cy + offset, cx + r,
                                cy + offset + step - 1], fill=dark)
            else:
                draw.rectangle([cx + offset, cy - r, cx + offset + step - 1,
                                cy + r], fill=dark)
    elif shape == 'checker':
        step = max(2, int(r / 2))
        for i, x in enumerate(range(int(cx - r), int(cx + r), step)):
            for j, y in enumerate(range(int(cy - r), int(cy + r), step)):
                if (i + j) % 2:
                    draw.rectangle([x, y, x + step - 1, y + step - 1],
                                   fill=dark)
    return polygon


def random_color(rng: np.random.Generator) -> Tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, size=3))


def contrasting_color(rng: np.random.Generator, image: Image.Image, cx: float,
                      cy: float, min_distance: float = 120.0
                      ) -> Tuple[int, int, int]:
    """A random colour far (in RGB) from the background at ``(cx, cy)``:
    colour is a nuisance, but an object that vanishes into its background
    would make the box / mask labels unlearnable."""
    x = int(min(max(cx, 0), image.size[0] - 1))
    y = int(min(max(cy, 0), image.size[1] - 1))
    background = np.array(image.getpixel((x, y)), dtype=float)
    color = random_color(rng)
    for _ in range(20):
        if np.linalg.norm(np.array(color) - background) >= min_distance:
            break
        color = random_color(rng)
    return color


def nuisance_texture(image: Image.Image, polygon, color: Tuple[int, int, int],
                     rng: np.random.Generator) -> None:
    """Stripes of random orientation and period inside ``polygon``: a
    texture that says nothing about the class (shape), so features that
    ignore it, as augmentation-invariant pretraining should learn, classify
    better than features that follow it."""
    size = image.size[0]
    theta = rng.uniform(0, math.pi)
    period = rng.uniform(size / 16, size / 6)
    stripe_pattern(image, polygon, theta, period, color)


def stripe_pattern(image: Image.Image, polygon, theta: float, period: float,
                   color: Tuple[int, int, int]) -> None:
    """Darken alternate stripes (angle ``theta``, ``period`` px) inside
    ``polygon``."""
    mask = Image.new('L', image.size, 0)
    ImageDraw.Draw(mask).polygon(polygon, fill=255)
    ys, xs = np.mgrid[0:image.size[1], 0:image.size[0]]
    phase = (xs * math.cos(theta) + ys * math.sin(theta)) / period
    stripes = (np.floor(phase) % 2).astype(bool)
    pixels = np.asarray(image).copy()
    dark = np.array([int(c * 0.3) for c in color], dtype=np.uint8)
    pixels[(np.asarray(mask) > 0) & stripes] = dark
    image.paste(Image.fromarray(pixels, 'RGB'))


def outline_image(rng: np.random.Generator, shape: str,
                  size: int) -> Image.Image:
    """One image of a classification class: ``shape`` (its outline is the
    class) with random size, position, slight rotation and contrasting
    colour, striped half of the time, on a noisy background."""
    image = noisy_background(rng, size)
    r = rng.uniform(0.3, 0.45) * size
    cx, cy = rng.uniform(r, size - r, size=2)
    color = contrasting_color(rng, image, cx, cy)
    polygon = draw_shape(image, shape, cx, cy, r, color, rng,
                         angle=rng.uniform(-0.3, 0.3))
    if rng.random() < 0.5:
        nuisance_texture(image, polygon, color, rng)
    return image
